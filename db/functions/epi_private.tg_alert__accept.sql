/* why: 接收 moves an alert to 已接收 and records who and when; it cannot be undone, and nothing
   else about an alert changes after it is raised. Who and when come from the identity, not from
   the caller. */
create or replace function epi_private.tg_alert__accept() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if (to_jsonb(new) - 'status' - 'accepted_by' - 'accepted_at') <> (to_jsonb(old) - 'status' - 'accepted_by' - 'accepted_at') then
    raise exception '预警内容不能修改' using errcode = 'insufficient_privilege';
  end if;
  if old.status = '已接收' then
    raise exception '该预警已于 % 由 % 接收，不能撤销或重复接收', old.accepted_at, old.accepted_by
      using errcode = 'check_violation';
  end if;
  if new.status = '已接收' then
    new.accepted_by := epi_private.current_account();
    new.accepted_at := now();
    if new.accepted_by is null then
      raise exception '无法确定接收人' using errcode = 'insufficient_privilege';
    end if;
    perform epi_private.write_audit('alert.accept',
      jsonb_build_object('alert_id', new.alert_id, 'venue_id', new.venue_id,
                         'period', format('%s至%s', new.period_start, new.period_end), 'reason', new.reason), 1);
  end if;
  return new;
end
$$;
comment on function epi_private.tg_alert__accept() is 'Accepting an alert: one way, recorded with account and time, audited.';

drop trigger if exists tg_alert__accept on epi.alert;
create trigger tg_alert__accept before update on epi.alert
  for each row execute function epi_private.tg_alert__accept();
