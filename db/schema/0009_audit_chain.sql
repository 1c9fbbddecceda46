/* Personal data 2 of 3, point 1 (等保 2.0 level 3, GB/T 22239-2019: audit records protected against
   deletion, change and forgery). The audit log is append-only and chained:
   - nobody updates, deletes or truncates an entry (no grant; epi_private.tg_audit_log__append_only
     refuses it even for the owner), except the sealer filling in an entry's seal once;
   - a sealer (epi.audit_seal(), run every minute by the jobs) takes the committed entries not yet
     sealed, in audit_id order, and appends each to the chain: seal_seq (1, 2, 3 … with no gap),
     prev_hash (the previous entry's hash) and hash = H(prev_hash | seal_seq | the entry's content),
     H being SM3 (GB/T 32905) where the server's pgcrypto provides it, else SHA-256 (hash_alg says
     which). Writers only insert, so chaining makes no request or import wait on another; an entry
     is unsealed from its commit until the next sealer run;
   - epi_private.audit_chain holds the head (the last seal) and the checkpoint the chain starts from
     (after a purge of entries past their retention: point 3). `invoke audit.anchor` writes the head
     outside the database every day; `invoke audit.verify` recomputes the chain. */
do $$
begin
  if exists (select from pg_catalog.pg_available_extensions where name = 'pgcrypto') then
    create extension if not exists pgcrypto with schema epi_ext;
  end if;
end
$$;

alter table epi.audit_log
  add column seal_seq  bigint unique,
  add column prev_hash text,
  add column hash      text,
  add column hash_alg  text check (hash_alg in ('sm3', 'sha256')),
  add column sealed_at timestamptz,
  add constraint audit_log_sealed_whole check (
    (seal_seq is null) = (hash is null) and (hash is null) = (prev_hash is null)
    and (hash is null) = (hash_alg is null) and (hash is null) = (sealed_at is null));
comment on column epi.audit_log.seal_seq is 'The entry''s place in the chain (1, 2, 3 … without gaps); NULL until sealed.';
comment on column epi.audit_log.prev_hash is 'The hash of the entry sealed before it ('''' for the first, or the checkpoint''s).';
comment on column epi.audit_log.hash is 'Hex hash_alg(prev_hash | seal_seq | content): see epi_private.audit_entry_text.';
comment on column epi.audit_log.hash_alg is 'sm3 (GB/T 32905, pgcrypto) or sha256 (where pgcrypto has no SM3).';
comment on column epi.audit_log.sealed_at is 'When the sealer chained it.';
create index audit_log_unsealed_idx on epi.audit_log (audit_id) where seal_seq is null;

create table epi_private.audit_chain (
  singleton       boolean primary key default true check (singleton),
  head_seq        bigint not null default 0,
  head_hash       text not null default '',
  checkpoint_seq  bigint not null default 0,
  checkpoint_hash text not null default '',
  checkpoint_at   timestamptz
);
comment on table epi_private.audit_chain is 'The audit chain''s head (last seal) and the checkpoint it starts from (after a purge).';
insert into epi_private.audit_chain default values;
