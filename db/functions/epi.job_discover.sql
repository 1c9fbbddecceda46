/* why: venues that appear in scans but not in the registry must show up in 场所信息管理 (未设置)
   for ops to complete. Only scans imported since the previous discovery run count (a watermark on
   import batches), so a venue ops deleted comes back only when new records for it arrive. Name,
   category, city, street and admin come from the venue's most recent scan; no unit.
   The new batches are a range of batch_id, written as a range as dynamic SQL with its bounds as
   literals, so the planner sees how few rows it holds (the index on (batch_id, venue_id) of each
   partition): `batch_id = any(array(subquery))` had a generic estimate of a 46th of every scan and
   became a parallel sequential scan of all of them (14 s at 50M scans, 5.5 s at 10M). */
create or replace function epi.job_discover(p_as_of date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from bigint;
  v_to   bigint;
  v_rows bigint;
begin
  perform epi_private.require_kind('只有系统任务可以运行场所发现', 'jobs');
  select coalesce((select value from epi_private.job_state where name = 'discover_last_batch'), 0) into v_from;
  select coalesce(max(batch_id), v_from) into v_to from epi.import_batch;
  if v_to <= v_from then
    return 0;
  end if;
  execute format($q$
    insert into epi.venue (venue_id, venue_name, category, city, street, venue_admin, source)
    select distinct on (s.venue_id) s.venue_id, s.venue_name, s.category, coalesce(s.city, '开平市'), s.street,
           s.venue_admin, 'discovery'
      from epi.scan s
     where s.batch_id > %s and s.batch_id <= %s
       and not exists (select from epi.venue v where v.venue_id = s.venue_id)
     order by s.venue_id, s.collected_at desc, s.scan_id desc
    on conflict (venue_id) do nothing$q$, v_from, v_to);
  get diagnostics v_rows = row_count;
  insert into epi_private.job_state (name, value) values ('discover_last_batch', v_to)
  on conflict (name) do update set value = excluded.value, updated_at = now();
  return v_rows;
end
$$;
comment on function epi.job_discover(date) is 'Add venues seen in scans imported since the last run; returns how many were added.';
