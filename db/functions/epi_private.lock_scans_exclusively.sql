/* why: dropping a month's partition (ops' month delete, the retention purge) needs an ACCESS
   EXCLUSIVE lock on epi.scan; while it waits for one, every scan query queues behind it. An OA
   login's transaction holding the month made ops' delete wait 77 s and /api/scans answer 503
   (issue 44, point 1). So the lock is asked for with lock_timeout (epi.rule_limits'
   strong_lock_timeout_ms, 200 ms: no reader queues longer), again and again with back-off for at
   most strong_lock_wait_seconds (10; a DBA may set epi.strong_lock_wait_seconds for the
   transaction). Called first in the transaction that needs it, before anything is changed: when
   the lock cannot be had, the caller's whole transaction ends with the Chinese message (SQLSTATE
   55P03) — counts, batches and audit as if it never started. No CONCURRENTLY: it cannot run in a
   function or keep the delete atomic. */
create or replace function epi_private.lock_scans_exclusively() returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_timeout  bigint := (select l.value from epi.rule_limits() l where l.rule = 'strong_lock_timeout_ms');
  v_wait     numeric := coalesce(nullif(current_setting('epi.strong_lock_wait_seconds', true), '')::numeric,
                                 (select l.value from epi.rule_limits() l where l.rule = 'strong_lock_wait_seconds'));
  v_deadline timestamptz := clock_timestamp() + make_interval(secs => v_wait);
  v_pause    numeric := 0.05;
  v_old      text := current_setting('lock_timeout');
begin
  loop
    begin
      perform set_config('lock_timeout', v_timeout || 'ms', true);
      lock table epi.scan in access exclusive mode;
      perform set_config('lock_timeout', v_old, true);
      return;
    exception when lock_not_available then
      if clock_timestamp() + make_interval(secs => v_pause) > v_deadline then
        raise exception '扫码数据正被其他查询使用，未能取得删除所需的锁；本次操作未做任何更改，请稍后重试'
          using errcode = 'lock_not_available';
      end if;
      perform pg_sleep(v_pause);
      v_pause := least(v_pause * 2, 1);
    end;
  end loop;
end
$$;
comment on function epi_private.lock_scans_exclusively() is
  'Take ACCESS EXCLUSIVE on epi.scan under a short lock_timeout, retried with back-off for a bounded time; else 55P03 with a Chinese message.';
