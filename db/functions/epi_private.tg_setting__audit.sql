/* why: turning the front-database sync on stops every file import and delete; who switched what,
   and when, belongs in the audit log like any other change. Switches are changed by a DBA on the
   admin connection (as the owner), whose --by account travels in epi.account. */
create or replace function epi_private.tg_setting__audit() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.value is distinct from old.value then
    perform epi_private.write_audit('setting.update',
      jsonb_build_object('key', new.key, 'old', old.value, 'new', new.value, 'session_user', session_user::text), 1);
  end if;
  return null;
end
$$;
comment on function epi_private.tg_setting__audit() is 'Audit every change of a switch in epi.setting.';

drop trigger if exists tg_setting__audit on epi.setting;
create trigger tg_setting__audit after update on epi.setting
  for each row execute function epi_private.tg_setting__audit();
