/* why: the nightly makes this month's and next month's scan partitions ahead, so that imports
   and the sync of the coming days attach nothing (epi.ensure_scan_partitions makes any other
   month a file needs, also without locking readers). */
create or replace function epi.job_partitions(p_as_of date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有系统任务可以运行此任务', 'jobs');
  return epi.ensure_scan_partitions(array[p_as_of::timestamp at time zone 'Asia/Shanghai',
                                          (p_as_of + interval '1 month')::timestamp at time zone 'Asia/Shanghai']);
end
$$;
comment on function epi.job_partitions(date) is 'Make the scan partitions of the as-of day''s month and the next ahead; returns how many were made.';
