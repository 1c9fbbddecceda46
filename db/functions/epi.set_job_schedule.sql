/* why: the schedule is changed by a DBA (`invoke jobs.schedule --nightly-at HH:MM`, acting as the
   owner; audited by epi_private.tg_job_schedule__audit with the --by account), never at run time.
   The units refresh keeps its distance before the nightly (15 minutes by default): moving the
   nightly moves it too, so that the texts of the nightly still go to the heads OA knows today. */
create or replace function epi.set_job_schedule(p_job text, p_at time, p_weekday smallint default null)
returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_old time;
begin
  if p_at is null or p_at <> date_trunc('minute', p_at) then
    raise exception '任务时间应为整分钟（HH:MM）' using errcode = 'invalid_parameter_value';
  end if;
  select s.at into v_old from epi.job_schedule s where s.job = p_job;
  if not found then
    raise exception '没有定时的任务：%（可用：%）', p_job,
      (select string_agg(s.job, '、' order by s.job) from epi.job_schedule s)
      using errcode = 'invalid_parameter_value';
  end if;
  update epi.job_schedule set at = p_at, weekday = p_weekday, updated_at = now()
   where job = p_job and (at, weekday) is distinct from (p_at, p_weekday);
  if p_job = 'nightly' then
    update epi.job_schedule set at = at + (p_at - v_old), updated_at = now()
     where job = 'units' and p_at <> v_old;
  end if;
end
$$;
comment on function epi.set_job_schedule(text, time, smallint) is
  'Set when a timed job runs (a DBA acting as the owner); the units refresh moves with the nightly.';
