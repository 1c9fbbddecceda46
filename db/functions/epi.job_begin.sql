/* why: how a run starts, once for every runner (epi.run_job for its job and each step, the jobs
   run in Python through jobs/runner.py's `recorded`):
   - a job never runs twice at once: a session advisory lock per job name, released by
     epi.job_end or when the session ends (a killed runner frees it). When another run holds it,
     a failed run "同名任务正在运行" is recorded and NULL returned: the caller does nothing
     (epi.run_job still answers with that record's id);
   - a run of this job left unfinished (process killed, database restarted) did not hold the
     lock: it is marked failed now;
   - the new run's epi.job_run row is inserted, under p_parent for a step of a composite job; its
     run_id is returned.
   The caller commits (the row must be visible while the job runs). Invoker rights: the jobs role. */
create or replace function epi.job_begin(p_job text, p_as_of date, p_parent bigint default null) returns bigint
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_run bigint;
begin
  if not exists (select 1 from epi.job_list() j where p_job = any (j.steps || j.job)) then
    raise exception '未知的任务：%', p_job using errcode = 'invalid_parameter_value';
  end if;
  if not pg_try_advisory_lock(hashtext('epi job ' || p_job)) then
    insert into epi.job_run (job, as_of, finished_at, ok, error, parent_run)
    values (p_job, p_as_of, clock_timestamp(), false, '同名任务正在运行，本次未执行', p_parent);
    return null;
  end if;
  update epi.job_run set finished_at = clock_timestamp(), ok = false,
         error = '任务中断（进程退出或数据库重启），未完成'
   where job = p_job and finished_at is null;
  insert into epi.job_run (job, as_of, started_at, parent_run) values (p_job, p_as_of, clock_timestamp(), p_parent)
  returning run_id into v_run;
  return v_run;
end
$$;
comment on function epi.job_begin(text, date, bigint) is
  'Start a run of a job (a step: under its parent run): its lock, interrupted runs marked failed, the epi.job_run row (run_id; NULL when another run holds the lock).';
