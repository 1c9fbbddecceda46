/* why: an account's daily reveal budget on a day (Asia/Shanghai): the setting reveal_daily_budget,
   or the largest raise ops granted it for that day when higher (epi.raise_reveal_budget). Read by
   epi_private.reveal_spend and shown by epi.reveal_budgets. */
create or replace function epi_private.reveal_budget(p_account text, p_day date) returns bigint
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select greatest(
    (select (s.value #>> '{}')::bigint from epi.setting s where s.key = 'reveal_daily_budget'),
    (select max(r.budget) from epi_private.reveal_raise r
      where r.account = p_account and p_day between r.first_day and r.last_day))
$$;
comment on function epi_private.reveal_budget(text, date) is
  'An account''s daily reveal budget on a day: the setting, or a higher raise ops granted for that day.';
