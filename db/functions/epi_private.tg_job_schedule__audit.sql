/* why: when the jobs run is a setting like any other: who moved which job, from when to when,
   belongs in the audit log (action schedule.update, as setting.update for the switches). */
create or replace function epi_private.tg_job_schedule__audit() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if (new.at, new.weekday) is distinct from (old.at, old.weekday) then
    perform epi_private.write_audit('schedule.update',
      jsonb_build_object('job', new.job, 'old', jsonb_build_object('at', to_char(old.at, 'HH24:MI'), 'weekday', old.weekday),
                         'new', jsonb_build_object('at', to_char(new.at, 'HH24:MI'), 'weekday', new.weekday),
                         'session_user', session_user::text), 1);
  end if;
  return null;
end
$$;
comment on function epi_private.tg_job_schedule__audit() is 'Audit every change of the schedule in epi.job_schedule.';

drop trigger if exists tg_job_schedule__audit on epi.job_schedule;
create trigger tg_job_schedule__audit after update on epi.job_schedule
  for each row execute function epi_private.tg_job_schedule__audit();
