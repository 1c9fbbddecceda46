/* why: thresholds are typed by people; the CHECK constraints are the backstop, this trigger
   gives the same rule a message a user can read, naming the field. */
create or replace function epi_private.tg_venue__validate() returns trigger
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.flow_min < 0 then
    raise exception '场所日人流量阈值（最小值）必须是不小于0的整数'
      using errcode = 'check_violation', column = 'flow_min', constraint = 'venue_flow_min_nonnegative';
  end if;
  if new.flow_max < 0 then
    raise exception '场所日人流量阈值（最大值）必须是不小于0的整数'
      using errcode = 'check_violation', column = 'flow_max', constraint = 'venue_flow_max_nonnegative';
  end if;
  if new.flow_min > new.flow_max then
    raise exception '场所日人流量阈值（最小值）不能大于最大值（最小值 %，最大值 %）', new.flow_min, new.flow_max
      using errcode = 'check_violation', column = 'flow_min', constraint = 'venue_flow_min_le_max';
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
  end if;
  return new;
end
$$;
comment on function epi_private.tg_venue__validate() is 'Readable messages for venue threshold rules; touch updated_at.';

drop trigger if exists tg_venue__validate on epi.venue;
create trigger tg_venue__validate before insert or update on epi.venue
  for each row execute function epi_private.tg_venue__validate();
