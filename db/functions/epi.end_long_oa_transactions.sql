/* why: an OA login's statements are limited to 60 s each, but its transaction was not: one held a
   month's partition for 80 s with two pg_sleep(40), and ops' month delete queued behind it (issue 44,
   point 2). PostgreSQL 17+ ends such a transaction itself (the login's transaction_timeout, set by
   db.grant-oa and db.upgrade); on 15 and 16 this function, run every minute with the sealer (the
   scheduler's seal and pg_cron's audit_seal job), ends the backends of this database's OA reader
   logins whose transaction began over p_limit_seconds ago (epi.rule_limits' oa_transaction_max_seconds) — only those: a login bound in
   epi_private.oa_login — and records each in the audit log (oa.transaction_ended). The owner may see
   and signal them (pg_read_all_stats, pg_signal_backend: db.upgrade as a superuser). Returns how
   many were ended. */
create or replace function epi.end_long_oa_transactions(p_limit_seconds integer default null) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r record;
  n integer := 0;
  v_limit integer := coalesce(p_limit_seconds,
    (select l.value from epi.rule_limits() l where l.rule = 'oa_transaction_max_seconds'));
begin
  perform epi_private.require_kind('只有系统任务可以结束 OA 读取账号的长事务', 'jobs');
  for r in select a.pid, a.usename::text as login, a.xact_start, host(a.client_addr) as client
             from pg_catalog.pg_stat_activity a
             join epi_private.oa_login b on b.login = a.usename
            where a.datname = current_database()
              and a.xact_start < clock_timestamp() - make_interval(secs => v_limit)
  loop
    -- waits (up to 5 s) until the backend is gone: a backend still exiting would otherwise be found,
    -- ended and audited again by the next run (CI under load found it twice in a row)
    if pg_catalog.pg_terminate_backend(r.pid, 5000) then
      n := n + 1;
      perform epi_private.write_audit('oa.transaction_ended',
        jsonb_build_object('login', r.login, 'pid', r.pid, 'xact_start', r.xact_start,
                           'limit_seconds', v_limit, 'client', r.client), 1);
    end if;
  end loop;
  return n;
end
$$;
comment on function epi.end_long_oa_transactions(integer) is
  'End the backends of OA reader logins whose transaction is older than the limit (PostgreSQL < 17), audited.';
