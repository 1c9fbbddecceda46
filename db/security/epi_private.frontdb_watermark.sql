/* Front-database watermarks: only the sync job, through epi.frontdb_position/frontdb_advance. */
alter table epi_private.frontdb_watermark enable row level security, force row level security;
revoke all on epi_private.frontdb_watermark from public;
drop policy if exists "Only the sync keeps its watermarks" on epi_private.frontdb_watermark;
create policy "Only the sync keeps its watermarks" on epi_private.frontdb_watermark for all
  using ((select epi_private.caller_is('jobs')))
  with check ((select epi_private.caller_is('jobs')));
