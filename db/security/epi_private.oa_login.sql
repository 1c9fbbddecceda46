/* why: the bindings decide what an OA login sees; nobody but the owner (the identity functions,
   and `invoke db.grant-oa` acting as the owner) reads or writes them. */
alter table epi_private.oa_login enable row level security, force row level security;
revoke all on epi_private.oa_login from public;
drop policy if exists "Only the identity functions read bindings" on epi_private.oa_login;
drop policy if exists "Only the owner reads and writes bindings" on epi_private.oa_login;
create policy "Only the owner reads and writes bindings" on epi_private.oa_login
  for all to epi_owner using (true) with check (true);
