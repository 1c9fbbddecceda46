/* why: the 扫码记录保存期限 ops type (days, as text; empty = keep scans) checked by the rule, once:
   the page's confirmation and the setting itself (epi.set_scan_retention) ask it; a refusal is
   EP400 on the field days with the message the page shows beside it. Returns the days (NULL = keep). */
create or replace function epi.scan_retention_days(p_text text) returns integer
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_text text := btrim(coalesce(p_text, ''));
  v_min bigint := (select l.value from epi.rule_limits() l where l.rule = 'scan_retention_min_days');
  v_max bigint := (select l.value from epi.rule_limits() l where l.rule = 'scan_retention_max_days');
begin
  if v_text = '' then
    return null;
  end if;
  if v_text !~ '^[0-9]{1,9}$' or v_text::bigint < v_min or v_text::bigint > v_max then
    raise exception '扫码记录保存天数应为不小于 % 的整数天（留空表示一直保存）', v_min
      using errcode = 'EP400', column = 'days';
  end if;
  return v_text::integer;
end
$$;
comment on function epi.scan_retention_days(text) is
  'The scan retention days as typed (empty = keep, NULL), checked: an integer from 14 to 36500, else EP400 on days.';
