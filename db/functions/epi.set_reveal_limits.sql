/* why: how many records one account may reveal a day, and how many reveals a minute, are settings
   that only ops change (issue 42, point 2), on the 扫码进场信息管理 page; each value is checked here
   (EP400 on its field, with the bounds of epi.rule_limits) and by the setting's constraint, and
   each change is audited by the setting's trigger (setting.update, old and new). */
create or replace function epi.set_reveal_limits(p_daily_budget text, p_per_minute text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_daily text := btrim(coalesce(p_daily_budget, ''));
  v_rate  text := btrim(coalesce(p_per_minute, ''));
  v_min   bigint := (select l.value from epi.rule_limits() l where l.rule = 'unmasked_export_max_rows');
  v_max   bigint := (select l.value from epi.rule_limits() l where l.rule = 'reveal_budget_max');
  v_rmax  bigint := (select l.value from epi.rule_limits() l where l.rule = 'reveal_per_minute_max');
begin
  perform epi_private.require_kind('只有运维单位可以设置查看完整个人信息的限额', 'ops');
  if v_daily !~ '^[0-9]{1,9}$' or v_daily::bigint < v_min or v_daily::bigint > v_max then
    raise exception '每日查看额度应为 % 至 % 之间的整数（不少于完整信息导出的上限）', v_min, v_max
      using errcode = 'EP400', column = 'daily_budget';
  end if;
  if v_rate !~ '^[0-9]{1,9}$' or v_rate::bigint < 1 or v_rate::bigint > v_rmax then
    raise exception '每分钟查看次数应为 1 至 % 之间的整数', v_rmax using errcode = 'EP400', column = 'per_minute';
  end if;
  update epi.setting set value = to_jsonb(v_daily::bigint), updated_at = now()
   where key = 'reveal_daily_budget' and value is distinct from to_jsonb(v_daily::bigint);
  update epi.setting set value = to_jsonb(v_rate::bigint), updated_at = now()
   where key = 'reveal_per_minute' and value is distinct from to_jsonb(v_rate::bigint);
end
$$;
comment on function epi.set_reveal_limits(text, text) is
  'Set the daily reveal budget and the per-minute reveal rate (ops; checked; audited as setting.update).';
