/* The personal-data keys' check values (issue 49): no unit-level data, no key. No runtime role has
   a grant; epi.crypto_key_check (the owner's) reads and registers them, called by the web login,
   the jobs login, or ops (an import). RLS on and forced: only those sessions' calls pass. */
alter table epi_private.crypto_key enable row level security, force row level security;
revoke all on epi_private.crypto_key from public;
drop policy if exists "Only the key check keeps the check values" on epi_private.crypto_key;
create policy "Only the key check keeps the check values" on epi_private.crypto_key for all
  using (pg_has_role(session_user, 'epi_web', 'usage') or pg_has_role(session_user, 'epi_jobs', 'usage'))
  with check (pg_has_role(session_user, 'epi_web', 'usage') or pg_has_role(session_user, 'epi_jobs', 'usage'));
