/* Personal values of scans stored before encryption (issues 49 and 50), until `invoke
   keys.encrypt-existing` seals them: no runtime role has a grant. The owner's functions read it
   (epi.find_scans, epi.reveal_scans, epi.export_scans_full) joined to epi.scan, whose forced RLS
   decides which records the caller may see; the DBA's command (a superuser) empties it. */
alter table epi_private.scan_plaintext enable row level security, force row level security;
revoke all on epi_private.scan_plaintext from public;
drop policy if exists "Only the owner's functions read it, through epi.scan" on epi_private.scan_plaintext;
create policy "Only the owner's functions read it, through epi.scan" on epi_private.scan_plaintext for select
  to epi_owner using (true);
