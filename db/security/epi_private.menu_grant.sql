/* OA's menu grants: no unit-level data (accounts, role codes, menu codes); no runtime role has a
   grant (epi.menu_grants_replace writes it for ops, epi.menus_granted and epi.session_check read it
   for the web login, each as the owner). RLS on and forced: only the owner's functions, called in a
   session of the web login (the web app, `invoke load.menu-grants`, the scheduler's re-reading),
   read and write it. */
alter table epi_private.menu_grant enable row level security, force row level security;
revoke all on epi_private.menu_grant from public;
drop policy if exists "Only the grant functions keep OA's menu grants" on epi_private.menu_grant;
create policy "Only the grant functions keep OA's menu grants" on epi_private.menu_grant for all
  using (pg_has_role(session_user, 'epi_web', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage'));
