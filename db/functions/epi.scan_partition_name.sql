/* why: a month's scan partition is named in one place (epi.scan_y2022m03 holds the scans of
   2022-03, Asia/Shanghai): made by epi.ensure_scan_partitions, dropped by
   epi_private.drop_scan_partition, its index merged by epi.merge_name_pending, found by the batch
   delete's whole months (admin/sql/scans.sql). The name without its schema. */
create or replace function epi.scan_partition_name(p_month date) returns text
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select format('scan_y%sm%s', to_char(p_month, 'YYYY'), to_char(p_month, 'MM')) $$;
comment on function epi.scan_partition_name(date) is 'The name (in schema epi) of the scan partition of the month holding a day.';
