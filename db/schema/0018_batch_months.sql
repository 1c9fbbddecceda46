/* Issue 22, point 3: a month's delete (ops' delete of a month, the retention purge) drops its
   partition in O(imports), not O(rows). It used to count the partition's rows per import batch to
   subtract them from each import's stored rows: 3.3 s for a 30.8M-row peak month against 0.2 s for
   a 1M-row city month. epi_private.batch_month keeps each import batch's stored rows per
   Asia/Shanghai month (the partitions' month), beside epi.import_batch.stored_rows, kept by
   epi_private.tg_scan__batch_count on every insert and delete and by
   epi_private.drop_scan_partition. Filled here once from the scans that exist. */
create table epi_private.batch_month (
  month    date   not null,
  batch_id bigint not null references epi.import_batch (batch_id),
  n        bigint not null check (n > 0),
  primary key (month, batch_id)
);
comment on table epi_private.batch_month is 'Each import batch''s stored scans per Asia/Shanghai month of 采集时间 (the partition''s month).';

-- (db/security/epi_private.batch_month.sql secures the table; the scans are read here as they are)
alter table epi.scan no force row level security;
insert into epi_private.batch_month (month, batch_id, n)
select date_trunc('month', collected_at at time zone 'Asia/Shanghai')::date, batch_id, count(*)
  from epi.scan
 group by 1, 2;
alter table epi.scan force row level security;
