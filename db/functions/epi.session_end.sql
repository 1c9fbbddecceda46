/* why: 退出 ends the session for every copy of its cookie (issue 43, point 1): the row is marked
   ended, and epi.session_check answers 'logout' from then on. */
create or replace function epi.session_end(p_key bytea) returns void
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  update epi_private.web_session set ended_at = now(), end_reason = 'logout'
   where key = p_key and ended_at is null;
$$;
comment on function epi.session_end(bytea) is 'End a web session (退出): every copy of its cookie is signed out.';
