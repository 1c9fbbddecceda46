/* why: audit entries are never changed or removed (GB/T 22239-2019: protected against deletion,
   change and forgery) — not by a runtime role (no grant), not by the owner or a DBA by hand. The
   one change allowed is the sealer filling in an unsealed entry's seal, its content untouched;
   the one removal, the retention purge of sealed entries past audit_retention_days
   (epi.audit_purge, which leaves a checkpoint). TRUNCATE is refused always. */
create or replace function epi_private.tg_audit_log__append_only() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'UPDATE' then
    if old.seal_seq is null and new.seal_seq is not null
       and old.audit_id = new.audit_id
       and epi_private.audit_entry_text(old) = epi_private.audit_entry_text(new) then
      return new;
    end if;
    raise exception '审计日志只能追加，不能修改（审计编号 %）', old.audit_id using errcode = 'insufficient_privilege';
  elsif tg_op = 'DELETE' then
    if current_setting('epi.audit_purge', true) = 'on' and old.seal_seq is not null
       and old.seal_seq <= (select c.checkpoint_seq from epi_private.audit_chain c) then
      return old;
    end if;
    raise exception '审计日志只能追加，不能删除（审计编号 %）', old.audit_id using errcode = 'insufficient_privilege';
  end if;
  raise exception '审计日志只能追加，不能清空' using errcode = 'insufficient_privilege';
end
$$;
comment on function epi_private.tg_audit_log__append_only() is 'Refuse changes, deletes and truncation of audit entries (except sealing and the retention purge).';
drop trigger if exists tg_audit_log__append_only on epi.audit_log;
create trigger tg_audit_log__append_only before update or delete on epi.audit_log
  for each row execute function epi_private.tg_audit_log__append_only();
drop trigger if exists tg_audit_log__no_truncate on epi.audit_log;
create trigger tg_audit_log__no_truncate before truncate on epi.audit_log
  for each statement execute function epi_private.tg_audit_log__append_only();
