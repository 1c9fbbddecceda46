/* Used sign-on tickets: hashes and expiry times, no unit-level data; no runtime role has a grant
   (epi.ticket_use / epi.ticket_used reach it as the owner). RLS is on and forced like every table's:
   only the owner's functions, called in a session of the web login (or a login that is a member of it),
   read and write it. */
alter table epi_private.used_ticket enable row level security, force row level security;
revoke all on epi_private.used_ticket from public;
drop policy if exists "Only the ticket functions keep used tickets" on epi_private.used_ticket;
create policy "Only the ticket functions keep used tickets" on epi_private.used_ticket for all
  using (pg_has_role(session_user, 'epi_web', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage'));
