/* why: one entry point for every scheduler of the jobs that run in the database (pg_cron,
   `invoke scheduler`, `invoke jobs.run`):
   - the jobs, their steps and each step's call are epi.job_list(): this procedure runs what the
     list says, it has no list of its own; a run's bookkeeping (its lock, so that a job never runs
     twice at once; interrupted runs marked failed; its epi.job_run row) is epi.job_begin and
     epi.job_end, which the jobs run in Python use too;
   - every run is recorded in its own committed transaction, so a failed job still leaves its
     record; for nightly, each step's run (under the nightly's run, parent_run) begins when the
     next run holds that step's lock;
   - as-of day D means "the early morning of D": days up to D-1 are evaluated, the SMS day is D;
   - nightly = partitions, retention, discover, counts, alerts, sms, each committed on its own;
   - p_run answers the run's id (`call epi.run_job('nightly', null, null)` returns it): the
     runner reads that run and its steps; when another run held the job's lock, the id of the
     refusal recorded for it.
   A procedure (not a function) so that it can commit between steps; invoker rights, called as
   the jobs role; the steps are security-definer functions. */
create or replace procedure epi.run_job(p_job text, p_as_of date default null, inout p_run bigint default null)
language plpgsql
as $$
declare
  v_as_of date := coalesce(p_as_of, (now() at time zone 'Asia/Shanghai')::date);
  v_steps text[];
  v_step  text;
  v_call  text;
  v_run   bigint;
  v_rows  bigint;
  v_err   text;
  v_all_ok boolean := true;
  v_total bigint := 0;
begin
  select j.steps into v_steps from epi.job_list() j where j.job = p_job and j.in_database;
  if v_steps is null then
    raise exception '未知的任务：%（可用：%）', p_job,
      (select string_agg(j.job, '、') from epi.job_list() j where j.in_database)
      using errcode = 'invalid_parameter_value';
  end if;
  p_run := epi.job_begin(p_job, v_as_of);
  if p_run is null then
    -- another run of this job holds its lock: epi.job_begin recorded the refusal, in this session
    p_run := currval(pg_get_serial_sequence('epi.job_run', 'run_id'));
    commit;
    return;
  end if;
  commit;
  foreach v_step in array v_steps loop
    select j.call into v_call from epi.job_list() j where j.job = v_step;
    -- a job of one step is its own step: its run is the outer one
    v_run := case when v_step = p_job then p_run else epi.job_begin(v_step, v_as_of, p_run) end;
    commit;
    if v_run is null then
      v_all_ok := false;   -- this step is running elsewhere (recorded by epi.job_begin)
      continue;
    end if;
    v_err := null;
    v_rows := null;
    begin
      execute 'select ' || v_call into v_rows using v_as_of;
    exception when others then
      v_err := sqlerrm;
    end;
    if v_run <> p_run then
      perform epi.job_end(v_run, v_err, v_rows);
      commit;
    end if;
    v_all_ok := v_all_ok and v_err is null;
    v_total := v_total + coalesce(v_rows, 0);
  end loop;
  if v_steps = array[p_job] then
    perform epi.job_end(p_run, v_err, v_rows);
  else
    perform epi.job_end(p_run, case when not v_all_ok then '部分步骤失败，见各步骤的记录' end, v_total);
  end if;
  commit;
end
$$;
comment on procedure epi.run_job(text, date, bigint) is
  'Run one job (or nightly) as of a day, each step by its call in epi.job_list, recorded in epi.job_run, never twice at once; answers the run''s id.';
