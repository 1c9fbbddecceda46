/* why: every request of a browser session asks whether its session still lives (issue 43, point 1),
   so that 退出 in one tab, or the limits, end every copy of the cookie at once, in every web process.
   Answers 'ok' (and, with p_touch, marks the session seen — at most every 10 seconds, so a busy page
   writes little), or why it ended: 'logout', 'switch', 'idle' (no request for p_idle_seconds),
   'absolute' (begun over p_max_seconds ago), 'unknown' (never begun here, or purged). An expiry found
   here ends the row. With 'ok' come the menus of a session whose menus are OA's grants (begun with
   roles, issue 45 point 2: read here on every request, so a menu revoked in OA is gone at the next
   click); null for a session whose menus came with its sign-on. */
create or replace function epi.session_check(p_key bytea, p_idle_seconds integer, p_max_seconds integer,
                                             p_touch boolean)
returns table (verdict text, menus text[])
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row epi_private.web_session;
  v_reason text;
begin
  select * into v_row from epi_private.web_session s where s.key = p_key;
  if not found then
    return query select 'unknown', null::text[];
    return;
  end if;
  if v_row.ended_at is not null then
    return query select v_row.end_reason, null::text[];
    return;
  end if;
  v_reason := case when v_row.started_at < now() - make_interval(secs => p_max_seconds) then 'absolute'
                   when v_row.seen_at < now() - make_interval(secs => p_idle_seconds) then 'idle' end;
  if v_reason is not null then
    update epi_private.web_session set ended_at = now(), end_reason = v_reason where key = p_key;
    return query select v_reason, null::text[];
    return;
  end if;
  if p_touch and v_row.seen_at < now() - interval '10 seconds' then
    update epi_private.web_session set seen_at = now() where key = p_key;
  end if;
  return query select 'ok', case when v_row.grant_roles is not null
                               then epi_private.granted_menus(v_row.account, v_row.grant_roles) end;
end
$$;
comment on function epi.session_check(bytea, integer, integer, boolean) is
  'Whether a web session still lives (''ok'', marking it seen, with its menus when they are OA''s grants) or why it ended (logout, switch, idle, absolute, unknown).';
