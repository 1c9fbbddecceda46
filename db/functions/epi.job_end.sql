/* why: how a run ends, once for every runner: its epi.job_run row gets the end time, ok (no
   error), the error and the rows it affected, and the job's lock (taken by epi.job_begin) is
   released. The caller commits. */
create or replace function epi.job_end(p_run bigint, p_error text, p_rows bigint) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job text;
begin
  update epi.job_run set finished_at = clock_timestamp(), ok = p_error is null, error = p_error, rows = p_rows
   where run_id = p_run
  returning job into v_job;
  if v_job is not null then
    perform pg_advisory_unlock(hashtext('epi job ' || v_job));
  end if;
end
$$;
comment on function epi.job_end(bigint, text, bigint) is 'End a run begun by epi.job_begin: record its outcome, release its lock.';
