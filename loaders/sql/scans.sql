-- name: previous_import
-- The latest import of a file with the same content.
select imported_by, imported_at, file_name, row_count
  from epi.import_batch
 where file_hash = %(file_hash)s
 order by imported_at desc
 limit 1;

-- name: start_batch
insert into epi.import_batch (source, file_name, file_hash, forced, imported_by, imported_at)
values ('file', %(file_name)s, %(file_hash)s, %(forced)s, %(imported_by)s, now())
returning batch_id, imported_at;

-- name: create_stage
-- A temporary table of the session: COPY is refused on tables where RLS applies, so rows are
-- copied here and moved into epi.scan by INSERT … SELECT, which the policies check.
create temp table if not exists scan_stage (
  venue_id text, venue_name text, category text, city text, street text, venue_admin text,
  id_card text, person_name text, phone text, collect_result text, nat_result text,
  nat_result_time text, health_code text, collector_location text, collected_at timestamptz
) on commit drop;

-- name: copy_stage
copy pg_temp.scan_stage (venue_id, venue_name, category, city, street, venue_admin, id_card, person_name,
                         phone, collect_result, nat_result, nat_result_time, health_code, collector_location,
                         collected_at)
from stdin (format binary);

-- name: move_stage
insert into epi.scan (venue_id, venue_name, category, city, street, venue_admin, id_card, person_name, phone,
                      collect_result, nat_result, nat_result_time, health_code, collector_location, collected_at,
                      batch_id, imported_by, imported_at)
select venue_id, venue_name, category, city, street, venue_admin, id_card, person_name, phone,
       collect_result, nat_result, nat_result_time, health_code, collector_location, collected_at,
       %(batch_id)s, %(imported_by)s, %(imported_at)s
  from pg_temp.scan_stage;

-- name: clear_stage
truncate pg_temp.scan_stage;

-- name: ensure_partitions
select epi.ensure_scan_partitions(%(lo)s, %(hi)s);

-- name: finish_batch
update epi.import_batch
   set row_count = %(rows)s, collected_min = %(collected_min)s, collected_max = %(collected_max)s
 where batch_id = %(batch_id)s;

-- name: audit
select epi.audit(%(action)s, %(detail)s::jsonb);

-- name: latest_collected
-- The latest 采集时间 in the system (shown before an import); the primary key index answers it.
select max(collected_at) from epi.scan;

-- name: delete_preview_collected
select b.batch_id, b.file_name, b.imported_by, b.imported_at, count(*) as n
  from epi.scan s
  join epi.import_batch b on b.batch_id = s.batch_id
 where s.collected_at >= %(lo)s and s.collected_at < %(hi)s
 group by b.batch_id
 order by b.imported_at, b.batch_id;

-- name: delete_preview_imported
select b.batch_id, b.file_name, b.imported_by, b.imported_at, count(*) as n
  from epi.scan s
  join epi.import_batch b on b.batch_id = s.batch_id
 where s.batch_id = any (array(select batch_id from epi.import_batch
                                where imported_at >= %(lo)s and imported_at < %(hi)s))
 group by b.batch_id
 order by b.imported_at, b.batch_id;

-- name: whole_months
-- Months (Asia/Shanghai) lying wholly inside [lo, hi) whose partition exists: they go by DROP.
select m::date as month
  from generate_series(date_trunc('month', %(lo)s::timestamptz at time zone 'Asia/Shanghai'),
                       date_trunc('month', %(hi)s::timestamptz at time zone 'Asia/Shanghai'),
                       interval '1 month') m
 where (m at time zone 'Asia/Shanghai') >= %(lo)s
   and ((m + interval '1 month') at time zone 'Asia/Shanghai') <= %(hi)s
   and to_regclass(format('epi.scan_y%%sm%%s', to_char(m, 'YYYY'), to_char(m, 'MM'))) is not null
 order by 1;

-- name: drop_month
select epi.drop_scan_month(%(month)s);

-- name: delete_collected
delete from epi.scan where collected_at >= %(lo)s and collected_at < %(hi)s;

-- name: delete_imported
delete from epi.scan
 where batch_id = any (array(select batch_id from epi.import_batch
                              where imported_at >= %(lo)s and imported_at < %(hi)s));

-- name: lock_for_import
-- Imports share this lock; a batch delete takes it exclusively, so the rows it counted in its
-- preview cannot change under it.
select pg_advisory_xact_lock_shared(hashtext('epi.scan writes'));

-- name: lock_for_delete
select pg_advisory_xact_lock(hashtext('epi.scan writes'));
