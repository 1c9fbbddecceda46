/* why: in an outbreak one tracer may need more full records a day than the budget allows; ops raise
   that one account's budget for a stated number of days with a reason (issue 42, point 2). Checked
   here (EP400 on its field: the account, a budget above the setting up to the maximum, 1–30 days,
   a reason as for a reveal) and audited (reveal.budget_raise) in the same transaction. Returns the
   last day (Asia/Shanghai) the raise holds. */
create or replace function epi.raise_reveal_budget(p_account text, p_budget text, p_days text, p_reason text)
returns date
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_account text := btrim(coalesce(p_account, ''));
  v_budget  text := btrim(coalesce(p_budget, ''));
  v_days    text := btrim(coalesce(p_days, ''));
  v_default bigint := (select (s.value #>> '{}')::bigint from epi.setting s where s.key = 'reveal_daily_budget');
  v_max     bigint := (select l.value from epi.rule_limits() l where l.rule = 'reveal_budget_max');
  v_max_days bigint := (select l.value from epi.rule_limits() l where l.rule = 'reveal_raise_max_days');
  v_today   date := (clock_timestamp() at time zone 'Asia/Shanghai')::date;
  v_reason  text;
  v_last    date;
begin
  perform epi_private.require_kind('只有运维单位可以临时提高查看额度', 'ops');
  if v_account !~ '^[^[:space:][:cntrl:]]{1,100}$' then
    raise exception '请填写要提高额度的账号（OA 登录账号，不含空格）' using errcode = 'EP400', column = 'account';
  end if;
  if v_budget !~ '^[0-9]{1,9}$' or v_budget::bigint <= v_default or v_budget::bigint > v_max then
    raise exception '临时额度应为大于当前每日额度（% 条）、不超过 % 的整数', v_default, v_max
      using errcode = 'EP400', column = 'budget';
  end if;
  if v_days !~ '^[0-9]{1,3}$' or v_days::integer < 1 or v_days::integer > v_max_days then
    raise exception '有效天数应为 1 至 % 之间的整数', v_max_days using errcode = 'EP400', column = 'days';
  end if;
  v_reason := epi.reveal_reason(p_reason);
  v_last := v_today + v_days::integer - 1;
  insert into epi_private.reveal_raise (account, budget, first_day, last_day, reason, raised_by)
  values (v_account, v_budget::bigint, v_today, v_last, v_reason, epi_private.current_account());
  perform epi_private.write_audit('reveal.budget_raise',
    jsonb_build_object('for_account', v_account, 'budget', v_budget::bigint, 'default_budget', v_default,
                       'first_day', v_today, 'last_day', v_last, 'days', v_days::integer, 'reason', v_reason), 1);
  return v_last;
end
$$;
comment on function epi.raise_reveal_budget(text, text, text, text) is
  'Raise one account''s daily reveal budget for some days, with a reason (ops; checked; audited as reveal.budget_raise).';
