/* Web sessions: no unit-level data (an account and times); no runtime role has a grant
   (epi.session_begin / epi.session_check / epi.session_end reach it as the owner). RLS is on and
   forced like every table's: only the owner's functions, called in a session of the web login, read
   and write it. */
alter table epi_private.web_session enable row level security, force row level security;
revoke all on epi_private.web_session from public;
drop policy if exists "Only the session functions keep web sessions" on epi_private.web_session;
create policy "Only the session functions keep web sessions" on epi_private.web_session for all
  using (pg_has_role(session_user, 'epi_web', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage'));
