/* why: one entry point for every scheduler (pg_cron, `invoke scheduler`, `invoke jobs.run`):
   - a job never runs twice at once: a session advisory lock per job name (released when the
     session ends, so a killed runner frees it);
   - every run is recorded in epi.job_run in its own committed transaction (job, as-of day, start,
     end, ok or the error, rows), so a failed job still leaves its record; runs left unfinished by
     a crash are marked failed by the next run (each step's when the next run holds that step's lock);
   - as-of day D means "the early morning of D": days up to D-1 are evaluated, the SMS day is D;
   - nightly = discover, counts, alerts, sms, each committed on its own.
   A procedure (not a function) so that it can commit between steps; invoker rights, called as
   the jobs role; the steps are security-definer functions. */
create or replace procedure epi.run_job(p_job text, p_as_of date default null)
language plpgsql
as $$
declare
  v_as_of date := coalesce(p_as_of, (now() at time zone 'Asia/Shanghai')::date);
  v_steps text[];
  v_step  text;
  v_run   bigint;
  v_rows  bigint;
  v_err   text;
  v_all_ok boolean := true;
  v_total bigint := 0;
  v_nightly bigint;
begin
  if p_job not in ('discover', 'counts', 'counts_full', 'alerts', 'sms', 'nightly') then
    raise exception '未知的任务：%（可用：discover、counts、counts_full、alerts、sms、nightly）', p_job
      using errcode = 'invalid_parameter_value';
  end if;
  if not pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('epi job ' || p_job)) then
    insert into epi.job_run (job, as_of, finished_at, ok, error)
    values (p_job, v_as_of, pg_catalog.clock_timestamp(), false, '同名任务正在运行，本次未执行');
    commit;
    return;
  end if;
  -- a run of this job that never finished (process killed, database restarted) did not hold the lock
  update epi.job_run set finished_at = pg_catalog.clock_timestamp(), ok = false,
         error = '任务中断（进程退出或数据库重启），未完成'
   where job = p_job and finished_at is null;
  v_steps := case when p_job = 'nightly' then array['discover', 'counts', 'alerts', 'sms'] else array[p_job] end;
  if p_job = 'nightly' then
    insert into epi.job_run (job, as_of, started_at) values ('nightly', v_as_of, pg_catalog.clock_timestamp()) returning run_id into v_nightly;
  end if;
  commit;
  foreach v_step in array v_steps loop
    if p_job = 'nightly' and not pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('epi job ' || v_step)) then
      insert into epi.job_run (job, as_of, finished_at, ok, error)
      values (v_step, v_as_of, pg_catalog.clock_timestamp(), false, '同名任务正在运行，本次未执行');
      v_all_ok := false;
      commit;
      continue;
    end if;
    if p_job = 'nightly' then
      -- this step's lock is ours: a run of it left unfinished (an interrupted nightly) is over
      update epi.job_run set finished_at = pg_catalog.clock_timestamp(), ok = false,
             error = '任务中断（进程退出或数据库重启），未完成'
       where job = v_step and finished_at is null;
    end if;
    insert into epi.job_run (job, as_of, started_at) values (v_step, v_as_of, pg_catalog.clock_timestamp()) returning run_id into v_run;
    commit;
    v_err := null;
    v_rows := null;
    begin
      v_rows := case v_step
        when 'discover' then epi.job_discover(v_as_of)
        when 'counts' then epi.job_counts(v_as_of, false)
        when 'counts_full' then epi.job_counts(v_as_of, true)
        when 'alerts' then epi.job_alerts(v_as_of)
        when 'sms' then epi.job_sms_queue(v_as_of)
      end;
    exception when others then
      v_err := sqlerrm;
    end;
    update epi.job_run set finished_at = pg_catalog.clock_timestamp(), ok = v_err is null, error = v_err, rows = v_rows
     where run_id = v_run;
    v_all_ok := v_all_ok and v_err is null;
    v_total := v_total + coalesce(v_rows, 0);
    if p_job = 'nightly' then
      perform pg_catalog.pg_advisory_unlock(pg_catalog.hashtext('epi job ' || v_step));
    end if;
    commit;
  end loop;
  if p_job = 'nightly' then
    update epi.job_run set finished_at = pg_catalog.clock_timestamp(), ok = v_all_ok, rows = v_total,
           error = case when not v_all_ok then '部分步骤失败，见各步骤的记录' end
     where run_id = v_nightly;
  end if;
  perform pg_catalog.pg_advisory_unlock(pg_catalog.hashtext('epi job ' || p_job));
  commit;
end
$$;
comment on procedure epi.run_job(text, date) is 'Run one job (or nightly) as of a day, recorded in epi.job_run, never twice at once.';
