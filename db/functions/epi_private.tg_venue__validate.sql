/* why: the CHECK constraints are the backstop; this trigger gives the same rules (written once, in
   epi.threshold_problems) a message a user can read, naming the field. */
create or replace function epi_private.tg_venue__validate() returns trigger
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem record;
begin
  for v_problem in select * from epi.threshold_problems(new.flow_min::text, new.flow_max::text) limit 1 loop
    raise exception '%', v_problem.message
      using errcode = 'check_violation', column = v_problem.field, constraint = v_problem.constraint_name;
  end loop;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
  end if;
  return new;
end
$$;
comment on function epi_private.tg_venue__validate() is 'Readable messages for venue threshold rules (epi.threshold_problems); touch updated_at.';

drop trigger if exists tg_venue__validate on epi.venue;
create trigger tg_venue__validate before insert or update on epi.venue
  for each row execute function epi_private.tg_venue__validate();
