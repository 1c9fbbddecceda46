/* Sign-ons under way: no unit-level data; no runtime role has a grant (epi.sso_begin / epi.sso_take
   reach it as the owner). RLS on and forced: only the owner's functions, called in a session of the
   web login, read and write it. */
alter table epi_private.sso_state enable row level security, force row level security;
revoke all on epi_private.sso_state from public;
drop policy if exists "Only the sign-on functions keep sign-ons under way" on epi_private.sso_state;
create policy "Only the sign-on functions keep sign-ons under way" on epi_private.sso_state for all
  using (pg_has_role(session_user, 'epi_web', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage'));
