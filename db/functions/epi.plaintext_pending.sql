/* why: while records stored before encryption wait to be sealed (epi_private.scan_plaintext, `invoke
   keys.encrypt-existing` running online), a search must also look at their values as typed — the
   web app then passes them beside the digests (web.queries), and only then: otherwise the database
   never sees a typed ID number, phone or name. Whether any wait; nothing else. */
create or replace function epi.plaintext_pending() returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select exists (select from epi_private.scan_plaintext)
$$;
comment on function epi.plaintext_pending() is 'Whether records stored before encryption still wait to be sealed (searches then also match their values).';
