/* Sign-ons handed from a pop-up to OA's frame: no unit-level data (an account, name, 机构编码 and
   menus while a sign-on is under way); no runtime role has a grant (epi.sso_handoff_* reach it as the
   owner). RLS on and forced: only the owner's functions, called in a session of the web login, read
   and write it. */
alter table epi_private.sso_handoff enable row level security, force row level security;
revoke all on epi_private.sso_handoff from public;
drop policy if exists "Only the sign-on functions keep hand-offs" on epi_private.sso_handoff;
create policy "Only the sign-on functions keep hand-offs" on epi_private.sso_handoff for all
  using (pg_has_role(session_user, 'epi_web', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage'));
