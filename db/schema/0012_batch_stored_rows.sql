/* Issue 21, point 3: the import history shows how many of a batch's rows are still stored
   (stored_rows), kept by epi_private.tg_scan__batch_count on every insert and delete of scans and
   by epi_private.drop_scan_partition when a month goes; here it is counted once for what exists. */
alter table epi.import_batch add column stored_rows bigint not null default 0;
comment on column epi.import_batch.stored_rows is '该批次现存的扫码记录条数（删除、保存期限清理后减少）';

-- (db/security/epi.import_batch.sql forces RLS again right after the migrations)
alter table epi.import_batch no force row level security;
update epi.import_batch b set stored_rows = c.n
  from (select batch_id, count(*) as n from epi.scan group by batch_id) c
 where c.batch_id = b.batch_id;
alter table epi.import_batch force row level security;
