/* Switches are read by every identified caller; they are changed by a DBA (the owner or a
   superuser), never at run time. */
alter table epi.setting enable row level security, force row level security;
revoke all on epi.setting from public;

drop policy if exists "Identified callers read the switches" on epi.setting;
create policy "Identified callers read the switches" on epi.setting for select
  using ((select epi_private.current_kind()) is not null);
-- a DBA switching (invoke sync.enable) acts as the owner: SET ROLE epi_owner, which only the
-- admin can do; the owner's definer functions read the switches under the caller's identity
drop policy if exists "The DBA acting as owner reads the switches" on epi.setting;
create policy "The DBA acting as owner reads the switches" on epi.setting for select to epi_owner
  using (current_setting('role') = 'epi_owner');
drop policy if exists "The owner changes the switches" on epi.setting;
create policy "The owner changes the switches" on epi.setting for update to epi_owner
  using (true) with check (true);

grant select on epi.setting to epi_ops, epi_unit, epi_jobs;
