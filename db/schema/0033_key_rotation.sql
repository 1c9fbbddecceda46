/* Issue 50 (密评 2 of 2): keys rotated while the zone runs. A key version is retired once no record
   is sealed under it (`invoke keys.rotate` re-encrypts them first); until then the zone's processes
   must hold its keys (epi.crypto_keys_needed) and searches look for both versions' digests, so the
   search functions take arrays of digests. */
alter table epi_private.crypto_key add column retired_at timestamptz;
comment on column epi_private.crypto_key.retired_at is 'When no record was sealed under this version any more (invoke keys.rotate): its keys are no longer needed.';

drop function if exists epi.find_scans(bigint, bigint, bigint[], integer);
drop function if exists epi.export_scans_full(bigint, bigint, text, timestamptz, timestamptz, text, jsonb, text[]);

-- issue 50, point 1: the reveal functions also answer records not sealed yet (epi_private.scan_plaintext),
-- and the search and the unmasked export also take the typed values for them
drop function if exists epi.reveal_scans(bigint[], text, boolean, jsonb, text[]);
drop function if exists epi.find_scans(bigint[], bigint[], bigint[], bigint[], integer);
drop function if exists epi.export_scans_full(bigint[], bigint[], text, timestamptz, timestamptz, text, jsonb, text[]);
