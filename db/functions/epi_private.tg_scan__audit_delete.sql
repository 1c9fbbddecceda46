/* why: every deletion of scan records is audited by the database, also a DELETE typed by hand
   in psql by an ops role: one entry per statement (a statement trigger with the deleted rows as
   a transition table), with the count, the import batches it took rows from and the 采集时间
   range. A delete of no rows is not an entry. Whole months dropped as partitions are audited by
   epi.drop_scan_month; a TRUNCATE (the owner or a superuser only) by the truncate trigger. */
create or replace function epi_private.tg_scan__audit_delete() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows bigint;
  v_detail jsonb;
begin
  if tg_op = 'TRUNCATE' then
    perform epi_private.write_audit('scan.delete', jsonb_build_object('truncate', true, 'table', tg_table_name));
    return null;
  end if;
  select count(*), jsonb_build_object('rows', count(*), 'collected_min', min(collected_at), 'collected_max', max(collected_at))
    into v_rows, v_detail
    from old_rows;
  if v_rows = 0 then
    return null;
  end if;
  v_detail := v_detail || jsonb_build_object('batches',
    (select jsonb_agg(jsonb_build_object('batch_id', batch_id, 'rows', n) order by batch_id)
       from (select batch_id, count(*) as n from old_rows group by batch_id) b));
  perform epi_private.write_audit('scan.delete', v_detail, v_rows);
  return null;
end
$$;
comment on function epi_private.tg_scan__audit_delete() is 'Audit every DELETE (one entry per statement, with counts) and TRUNCATE of scan records.';

drop trigger if exists tg_scan__audit_delete on epi.scan;
create trigger tg_scan__audit_delete after delete on epi.scan
  referencing old table as old_rows for each statement execute function epi_private.tg_scan__audit_delete();
drop trigger if exists tg_scan__audit_truncate on epi.scan;
create trigger tg_scan__audit_truncate after truncate on epi.scan
  for each statement execute function epi_private.tg_scan__audit_delete();
