/* why: one entry point for every scheduler of the jobs that run in the database (pg_cron,
   `invoke scheduler`, `invoke jobs.run`):
   - the jobs and their steps are epi.job_list(); a run's bookkeeping (its lock, so that a job never
     runs twice at once; interrupted runs marked failed; its epi.job_run row) is epi.job_begin and
     epi.job_end, which the front-database sync in Python uses too;
   - every run is recorded in its own committed transaction, so a failed job still leaves its
     record; for nightly, each step's run begins when the next run holds that step's lock;
   - as-of day D means "the early morning of D": days up to D-1 are evaluated, the SMS day is D;
   - nightly = partitions, retention, discover, counts, alerts, sms, each committed on its own.
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
  v_outer bigint;
begin
  select j.steps into v_steps from epi.job_list() j where j.job = p_job and j.in_database;
  if v_steps is null then
    raise exception '未知的任务：%（可用：%）', p_job,
      (select string_agg(j.job, '、') from epi.job_list() j where j.in_database)
      using errcode = 'invalid_parameter_value';
  end if;
  v_outer := epi.job_begin(p_job, v_as_of);
  commit;
  if v_outer is null then
    return;  -- another run of this job holds its lock (recorded by epi.job_begin)
  end if;
  foreach v_step in array v_steps loop
    -- a job of one step is its own step: its run is the outer one
    v_run := case when v_step = p_job then v_outer else epi.job_begin(v_step, v_as_of) end;
    commit;
    if v_run is null then
      v_all_ok := false;   -- this step is running elsewhere (recorded by epi.job_begin)
      continue;
    end if;
    v_err := null;
    v_rows := null;
    begin
      v_rows := case v_step
        when 'partitions' then epi.job_partitions(v_as_of)
        when 'retention' then epi.job_retention(v_as_of)
        when 'discover' then epi.job_discover(v_as_of)
        when 'counts' then epi.job_counts(v_as_of, false)
        when 'counts_full' then epi.job_counts(v_as_of, true)
        when 'alerts' then epi.job_alerts(v_as_of)
        when 'sms' then epi.job_sms_queue(v_as_of)
      end;
    exception when others then
      v_err := sqlerrm;
    end;
    if v_run <> v_outer then
      perform epi.job_end(v_run, v_err, v_rows);
      commit;
    end if;
    v_all_ok := v_all_ok and v_err is null;
    v_total := v_total + coalesce(v_rows, 0);
  end loop;
  if v_steps = array[p_job] then
    perform epi.job_end(v_outer, v_err, v_rows);
  else
    perform epi.job_end(v_outer, case when not v_all_ok then '部分步骤失败，见各步骤的记录' end, v_total);
  end if;
  commit;
end
$$;
comment on procedure epi.run_job(text, date) is 'Run one job (or nightly) as of a day, recorded in epi.job_run, never twice at once.';
