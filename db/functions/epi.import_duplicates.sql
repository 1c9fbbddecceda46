/* why: the requirements ask the zone to help users not import the same data twice (issue 51): a
   file saved again, re-zipped, or a day's export overlapping one already imported must not go in
   silently. Before an import writes anything, its records' keys come here: 公共场所ID, 采集时间 and
   被采集人身份证 — the last as its keyed digest (core/crypto.py; the database never sees the ID
   number), under the current key version and, while a rotation runs (issue 50), under the older
   one too. A file record is "already imported" when a stored record has the same venue, the same
   采集时间 instant and the same ID number (both without one counts as the same). Answered: how many
   of the given records are, and their earliest and latest 采集时间.
   Cheap when nothing overlaps (the common case, a new day's export): the venue-days of the file
   are looked up in the daily counts first, and only records of venue-days that hold scans are
   matched one by one, each by the (venue_id, collected_at) index. Owner rights to read the digest
   column; the caller must be ops (only ops import files), and epi.scan's forced RLS still applies
   by the caller's identity (ops see every scan). Nothing is written. */
create or replace function epi.import_duplicates(p_venue_id text[], p_collected_at timestamptz[], p_id_digest bigint[],
                                                 p_key_version smallint, p_older_digest bigint[] default null,
                                                 p_older_version smallint default null)
returns table (duplicates bigint, earliest timestamptz, latest timestamptz)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有运维人员可以检查导入文件的重复记录', 'ops');
  return query
  select count(*), min(k.collected_at), max(k.collected_at)
    from unnest(p_venue_id, p_collected_at, p_id_digest,
                coalesce(p_older_digest, array_fill(null::bigint, array[coalesce(cardinality(p_venue_id), 0)])))
         as k(venue_id, collected_at, digest, older)
   where exists (select from epi_private.daily_count c   -- a venue-day with scans (one probe each)
                  where c.venue_id = k.venue_id and c.day = (k.collected_at at time zone 'Asia/Shanghai')::date
                    and c.n > 0
                 offset 0)
     and exists (select from epi.scan s
                  where s.venue_id = k.venue_id and s.collected_at = k.collected_at
                    and ((s.id_card_digest is null and k.digest is null)
                         or (s.key_version = p_key_version and s.id_card_digest = k.digest)
                         or (s.key_version = p_older_version and s.id_card_digest = k.older)));
end
$$;
comment on function epi.import_duplicates(text[], timestamptz[], bigint[], smallint, bigint[], smallint) is
  'How many of an import''s records (公共场所ID, 采集时间, 被采集人身份证 digest) are stored already, and their 采集时间 range (ops only).';
