/* why: the requirements ask the zone to help users not import the same data twice (issue 51): a
   file saved again, re-zipped, or a day's export overlapping one already imported must not go in
   silently. Before an import writes anything, its records' keys come here: 公共场所ID, 采集时间 and
   被采集人身份证 — the last as its keyed digest (core/crypto.py; the database never sees the ID
   number), under the current key version and, while a rotation runs (issue 50), under the older
   one too. A file record is "already imported" when a stored record has the same venue, the same
   采集时间 instant and the same ID number (both without one counts as the same). Answered: how many
   of the given records are, and their earliest and latest 采集时间.
   The caller gives only the records of venue-days that hold scans (epi.import_stored_days says
   which: for a new day's export, none, and this is not called). They go into a temporary table of
   the session, analysed, so that the planner knows how many: a few are matched one by one by the
   (venue_id, collected_at) index, many by one hash join with the stored scans of their 采集时间
   range (a whole stored file of 200,000 records into 9.6M scans: 0.9 s, against 4.9 s probing
   each). Owner rights to read the digest column; the caller must be ops (only ops import files),
   and epi.scan's forced RLS still applies by the caller's identity (ops see every scan). Nothing
   of the zone's is written. */
create or replace function epi.import_duplicates(p_venue_id text[], p_collected_at timestamptz[], p_id_digest bigint[],
                                                 p_key_version smallint, p_older_digest bigint[] default null,
                                                 p_older_version smallint default null)
returns table (duplicates bigint, earliest timestamptz, latest timestamptz)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz;
  v_hi timestamptz;
begin
  perform epi_private.require_kind('只有运维人员可以检查导入文件的重复记录', 'ops');
  create temp table if not exists import_key (venue_id text, collected_at timestamptz, digest bigint, older bigint)
    on commit drop;
  truncate pg_temp.import_key;
  insert into pg_temp.import_key
  select k.venue_id, k.collected_at, k.digest, k.older
    from unnest(p_venue_id, p_collected_at, p_id_digest,
                coalesce(p_older_digest, array_fill(null::bigint, array[coalesce(cardinality(p_venue_id), 0)])))
         as k(venue_id, collected_at, digest, older);
  analyze pg_temp.import_key;
  select min(k.collected_at), max(k.collected_at) into v_lo, v_hi from pg_temp.import_key k;
  return query
  select count(*), min(k.collected_at), max(k.collected_at)
    from pg_temp.import_key k
   where exists (select from epi.scan s
                  where s.collected_at between v_lo and v_hi   -- the partitions of the range, and no other
                    and s.venue_id = k.venue_id and s.collected_at = k.collected_at
                    and ((s.id_card_digest is null and k.digest is null)
                         or (s.key_version = p_key_version and s.id_card_digest = k.digest)
                         or (s.key_version = p_older_version and s.id_card_digest = k.older)));
end
$$;
comment on function epi.import_duplicates(text[], timestamptz[], bigint[], smallint, bigint[], smallint) is
  'How many of an import''s records (公共场所ID, 采集时间, 被采集人身份证 digest) are stored already, and their 采集时间 range (ops only).';
