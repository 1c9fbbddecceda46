-- name: start_batch
-- An import batch: 'file' (a file import) or 'frontdb' (a batch of the front-database sync).
insert into epi.import_batch (source, file_name, file_hash, forced, imported_by, imported_at)
values (%(source)s, %(file_name)s, %(file_hash)s, %(forced)s, %(imported_by)s, now())
returning batch_id, imported_at;

-- name: create_stage
-- A temporary table of the session: COPY is refused on tables where RLS applies, so rows are
-- copied here and moved into epi.scan by INSERT … SELECT, which the policies check. The personal
-- values arrive sealed (issue 49, core/crypto.py): ciphertext, key version, digests and masks.
create temp table if not exists scan_stage (
  venue_id text, venue_name text, category text, city text, street text, venue_admin text,
  collect_result text, nat_result text, nat_result_time text, health_code text, collector_location text,
  collected_at timestamptz, personal bytea, key_version smallint, id_card_digest bigint, phone_digest bigint,
  name_grams bigint[], id_card_masked text, person_name_masked text, phone_masked text,
  older_id_digest bigint   -- the duplicate check's (epi.import_duplicates), not stored
) on commit drop;

-- name: copy_stage
copy pg_temp.scan_stage (venue_id, venue_name, category, city, street, venue_admin, collect_result, nat_result,
                         nat_result_time, health_code, collector_location, collected_at, personal, key_version,
                         id_card_digest, phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked,
                         older_id_digest)
from stdin (format binary);

-- name: copy_stage_csv
-- The same from CSV written by Arrow (loaders.fastxlsx): an empty unquoted field is NULL.
copy pg_temp.scan_stage (venue_id, venue_name, category, city, street, venue_admin, collect_result, nat_result,
                         nat_result_time, health_code, collector_location, collected_at, personal, key_version,
                         id_card_digest, phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked)
from stdin (format csv);

-- name: copy_keys_csv
-- Only the keys of the duplicate check (loaders.scans, the Arrow path; cleared after it).
copy pg_temp.scan_stage (venue_id, collected_at, id_card_digest, older_id_digest) from stdin (format csv);

-- name: move_stage
insert into epi.scan (venue_id, venue_name, category, city, street, venue_admin, collect_result, nat_result,
                      nat_result_time, health_code, collector_location, collected_at, personal, key_version,
                      id_card_digest, phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked,
                      batch_id, imported_by, imported_at)
select venue_id, venue_name, category, city, street, venue_admin, collect_result, nat_result,
       nat_result_time, health_code, collector_location, collected_at, personal, key_version,
       id_card_digest, phone_digest, name_grams, id_card_masked, person_name_masked, phone_masked,
       %(batch_id)s, %(imported_by)s, %(imported_at)s
  from pg_temp.scan_stage;

-- name: clear_stage
truncate pg_temp.scan_stage;

-- name: ensure_partitions
-- The partitions of the months the staged chunk has rows in (one time per month).
select epi.ensure_scan_partitions(array(select min(collected_at) from pg_temp.scan_stage
                                          group by date_trunc('month', collected_at at time zone 'Asia/Shanghai')));

-- name: stage_duplicates
-- How many staged records are stored already (the row-by-row import stages a whole file before it
-- moves any record: loaders/scans.py): those of venue-days that hold scans (epi.import_stored_days),
-- matched by epi.import_duplicates.
with days as (select distinct venue_id, (collected_at at time zone 'Asia/Shanghai')::date as day from pg_temp.scan_stage),
     stored as (select s.venue_id, s.day
                  from (select array_agg(venue_id) as v, array_agg(day) as d from days) p,
                       epi.import_stored_days(p.v, p.d) s),
     candidate as (select k.venue_id, k.collected_at, k.id_card_digest, k.older_id_digest
                     from pg_temp.scan_stage k
                    where (k.venue_id, (k.collected_at at time zone 'Asia/Shanghai')::date) in (select * from stored))
select d.duplicates, d.earliest, d.latest
  from (select array_agg(venue_id) as v, array_agg(collected_at) as t, array_agg(id_card_digest) as i,
               array_agg(older_id_digest) as o
          from candidate) a,
       epi.import_duplicates(a.v, a.t, a.i, %(version)s::smallint, a.o, %(older_version)s::smallint) d;

-- name: function_seconds
-- Milliseconds a function took in this transaction (a row only when track_functions counts it).
select total_time from pg_stat_xact_user_functions where schemaname = %(schema)s and funcname = %(name)s;

-- name: finish_batch
-- forced: the importer confirmed a repeat (an identical file, or records stored already)
update epi.import_batch
   set row_count = %(rows)s, collected_min = %(collected_min)s, collected_max = %(collected_max)s,
       forced = %(forced)s
 where batch_id = %(batch_id)s;

-- name: merge_name_pending
-- The name index's pending lists of the months the batch wrote, merged before the commit (name
-- searches right after an import would otherwise read them whole: db/functions/epi.merge_name_pending.sql).
select epi.merge_name_pending(%(batch_id)s);

