/* why: the chain's head, written outside the database every day (`invoke audit.anchor`), so that
   an owner who rewrote the whole chain is caught by `invoke audit.verify --anchor`. */
create or replace function epi.audit_head(out head_seq bigint, out head_hash text, out hash_alg text,
                                          out unsealed bigint, out checkpoint_seq bigint, out checkpoint_hash text)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select c.head_seq, c.head_hash,
         (select a.hash_alg from epi.audit_log a where a.seal_seq = c.head_seq),
         (select count(*) from epi.audit_log a where a.seal_seq is null),
         c.checkpoint_seq, c.checkpoint_hash
    from epi_private.audit_chain c
   where epi_private.current_kind() in ('jobs', 'auditor') or current_setting('role') = 'epi_owner'
$$;
comment on function epi.audit_head() is 'The audit chain''s head (last seal), unsealed entries and checkpoint (jobs, auditors).';
