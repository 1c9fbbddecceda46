/* why: ops, deciding whether to raise a budget, see the limits, each account's use today and the
   raises in force (issue 42, point 2): the accounts that revealed anything today or hold a raise
   that has not ended, most used first. Read under the tables' forced RLS (ops only). */
create or replace function epi.reveal_budgets()
returns table (account text, used_today bigint, budget bigint, raised_until date, raise_reason text, raised_by text)
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date := (clock_timestamp() at time zone 'Asia/Shanghai')::date;
begin
  perform epi_private.require_kind('只有运维单位可以查看各账号的查看额度', 'ops');
  return query
    with accounts as (
      select u.account from epi_private.reveal_use u where u.day = v_today
      union
      select r.account from epi_private.reveal_raise r where r.last_day >= v_today
    )
    select a.account,
           coalesce((select u.revealed from epi_private.reveal_use u where u.account = a.account and u.day = v_today), 0),
           epi_private.reveal_budget(a.account, v_today),
           r.last_day, r.reason, r.raised_by
      from accounts a
      left join lateral (select x.last_day, x.reason, x.raised_by from epi_private.reveal_raise x
                          where x.account = a.account and x.last_day >= v_today
                          order by x.budget desc, x.raise_id desc limit 1) r on true
     order by 2 desc, 1
     limit 200;
end
$$;
comment on function epi.reveal_budgets() is
  'Ops: each account''s revealed records today, its budget and the raise in force (accounts with use today or a raise).';
