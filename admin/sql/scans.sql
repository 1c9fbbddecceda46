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

-- name: delete_preview_batch
-- One import's rows still stored.
select b.batch_id, b.file_name, b.imported_by, b.imported_at, count(s.scan_id) as n
  from epi.import_batch b
  join epi.scan s on s.batch_id = b.batch_id
 where b.batch_id = %(batch)s
 group by b.batch_id;

-- name: delete_batch
delete from epi.scan where batch_id = %(batch)s;

-- name: whole_months
-- Months (Asia/Shanghai) lying wholly inside [lo, hi) whose partition exists: they go by DROP.
select m::date as month
  from generate_series(date_trunc('month', %(lo)s::timestamptz at time zone 'Asia/Shanghai'),
                       date_trunc('month', %(hi)s::timestamptz at time zone 'Asia/Shanghai'),
                       interval '1 month') m
 where (m at time zone 'Asia/Shanghai') >= %(lo)s
   and ((m + interval '1 month') at time zone 'Asia/Shanghai') <= %(hi)s
   and to_regclass(format('epi.%%I', epi.scan_partition_name(m::date))) is not null
 order by 1;

-- name: drop_month
select epi.drop_scan_month(%(month)s);

-- name: delete_collected
delete from epi.scan where collected_at >= %(lo)s and collected_at < %(hi)s;

-- name: delete_imported
delete from epi.scan
 where batch_id = any (array(select batch_id from epi.import_batch
                              where imported_at >= %(lo)s and imported_at < %(hi)s));

-- name: lock_for_delete
-- Imports share this lock (loaders/sql/scans.sql: lock_for_import); a batch delete takes it
-- exclusively, so the rows it counted in its preview cannot change under it.
select pg_advisory_xact_lock(hashtext('epi.scan writes'));
