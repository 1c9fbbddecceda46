/* why: one account may not read personal data in bulk one record at a time (issue 42, point 2;
   SPEC 3). Called by epi.reveal_scans (p_reveal: one reveal) and epi.export_scans_full (the
   export's rows) after the records and the reason are known, in the caller's transaction: the
   account's row of the day is locked, so every web process counts against the same numbers.
   - A reveal past reveal_per_minute in the last 60 seconds (a sliding minute: no burst of twice
     the rate across a clock minute's turn), or records past the day's budget
     (epi_private.reveal_budget; reveals plus unmasked exported rows), are refused: the refusal is
     written to the audit log (reveal.refused, with the limit and the count) and its Chinese message,
     saying when the limit resets, is returned; nothing is counted.
   - Otherwise the records are counted and NULL is returned; the first time an account passes 80%
     of its day's budget, reveal.budget_80 is written.
   The caller answers a refusal with no rows (its entry must be committed, so it cannot raise). */
create or replace function epi_private.reveal_spend(p_rows bigint, p_reveal boolean, p_detail jsonb default '{}',
                                                    p_subject_hashes text[] default null)
returns text
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_account text := epi_private.current_account();
  v_now     timestamptz := clock_timestamp();
  v_day     date := (v_now at time zone 'Asia/Shanghai')::date;
  v_rate    bigint := (select (s.value #>> '{}')::bigint from epi.setting s where s.key = 'reveal_per_minute');
  v_budget  bigint;
  v_used    bigint;
  v_recent  timestamptz[];
  v_warned  boolean;
  v_message text;
begin
  if v_account is null or p_rows is null or p_rows < 1 then
    raise exception '无法确定查看完整个人信息的账号或条数' using errcode = 'insufficient_privilege';
  end if;
  v_budget := epi_private.reveal_budget(v_account, v_day);
  insert into epi_private.reveal_use (account, day) values (v_account, v_day)
    on conflict (account, day) do nothing;
  -- the reveals of the last 60 seconds (of yesterday's row too, just after midnight)
  select u.revealed, u.warned into v_used, v_warned
    from epi_private.reveal_use u where u.account = v_account and u.day = v_day
    for update;
  select coalesce(array_agg(t order by t), '{}') into v_recent
    from epi_private.reveal_use u, unnest(u.recent) t
   where u.account = v_account and u.day in (v_day, v_day - 1) and t > v_now - interval '1 minute';
  if p_reveal and cardinality(v_recent) + 1 > v_rate then
    v_message := format('查看完整个人信息过于频繁：每个账号每分钟最多查看 %s 条，请于 %s 后再试',
                        v_rate, to_char((v_recent[cardinality(v_recent) - v_rate + 1] + interval '1 minute')
                                        at time zone 'Asia/Shanghai', 'HH24:MI:SS'));
  elsif v_used + p_rows > v_budget then
    v_message := case when p_reveal
      then format('今日查看完整个人信息已达上限（每日 %s 条，已用 %s 条），额度于 %s 00:00 重置；如因疫情处置确需更多，请联系运维单位临时提高额度',
                  v_budget, v_used, to_char(v_day + 1, 'YYYY-MM-DD'))
      else format('本次导出 %s 条完整信息，超过今日剩余额度 %s 条（每日 %s 条），额度于 %s 00:00 重置；如因疫情处置确需更多，请联系运维单位临时提高额度',
                  p_rows, greatest(v_budget - v_used, 0), v_budget, to_char(v_day + 1, 'YYYY-MM-DD'))
    end;
  end if;
  if v_message is not null then
    perform epi_private.write_audit('reveal.refused',
      coalesce(p_detail, '{}') || jsonb_build_object('message', v_message, 'rows', p_rows, 'used_today', v_used,
                                                     'budget', v_budget, 'per_minute', v_rate,
                                                     'reveals_last_minute', cardinality(v_recent)),
      p_rows, p_subject_hashes);
    return v_message;
  end if;
  update epi_private.reveal_use u
     set revealed = v_used + p_rows,
         recent = case when p_reveal then v_recent || v_now else v_recent end,
         warned = u.warned or (v_used + p_rows) * 5 >= v_budget * 4
   where u.account = v_account and u.day = v_day;
  if not v_warned and (v_used + p_rows) * 5 >= v_budget * 4 then
    perform epi_private.write_audit('reveal.budget_80',
      jsonb_build_object('used_today', v_used + p_rows, 'budget', v_budget, 'day', v_day), v_used + p_rows);
  end if;
  return null;
end
$$;
comment on function epi_private.reveal_spend(bigint, boolean, jsonb, text[]) is
  'Count revealed records against the caller''s daily budget and per-minute rate; NULL, or the refusal''s message (audited as reveal.refused).';
