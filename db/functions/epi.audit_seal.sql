/* why: chain the committed audit entries not yet sealed, in audit_id order, onto the head: each
   gets the next seal_seq, the previous hash and its own hash (epi_private.audit_entry_text). Run
   every minute by the jobs (pg_cron or `invoke scheduler`); writers only insert, so they never wait
   for it. One sealer at a time: the chain's row is locked, and no runtime role can lock it. An entry
   whose transaction commits while a seal runs is sealed by the next one (the chain's order is the
   order of sealing, not of audit_id). */
create or replace function epi.audit_seal(p_limit integer default 20000) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_chain epi_private.audit_chain;
  v_alg   text;
  v_hash  text;
  v_n     integer := 0;
  e       epi.audit_log;
begin
  if epi_private.current_kind() is distinct from 'jobs' and current_setting('role') <> 'epi_owner' then
    raise exception '只有系统任务可以封存审计日志' using errcode = 'insufficient_privilege';
  end if;
  select * into v_chain from epi_private.audit_chain for update;
  v_alg := epi_private.audit_hash_alg();
  for e in select * from epi.audit_log where seal_seq is null order by audit_id limit p_limit loop
    v_chain.head_seq := v_chain.head_seq + 1;
    v_hash := epi_private.audit_hash(v_chain.head_hash || '|' || v_chain.head_seq || '|' || epi_private.audit_entry_text(e),
                                     v_alg);
    update epi.audit_log
       set seal_seq = v_chain.head_seq, prev_hash = v_chain.head_hash, hash = v_hash, hash_alg = v_alg,
           sealed_at = clock_timestamp()
     where audit_id = e.audit_id;
    v_chain.head_hash := v_hash;
    v_n := v_n + 1;
  end loop;
  update epi_private.audit_chain set head_seq = v_chain.head_seq, head_hash = v_chain.head_hash;
  return v_n;
end
$$;
comment on function epi.audit_seal(integer) is 'Seal (chain) the committed audit entries not yet sealed; returns how many.';
