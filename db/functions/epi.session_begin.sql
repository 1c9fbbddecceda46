/* why: a session begins when a ticket signs a user on (issue 43, point 1). The web login records its
   key (the SHA-256 of the random id in the cookie) before the cookie is sent; the session it
   replaces on the same browser (切换账号, a new ticket) ends with it. Rows ended an hour ago, or
   idle or alive beyond the limits given, go on the way (the purge). p_roles, when not null, are the
   OA roles a sign-on without menus named (issue 45, point 2): the session's menus are then OA's
   grants, read again on every request (epi.session_check). */
create or replace function epi.session_begin(p_key bytea, p_account text, p_replaces bytea,
                                             p_idle_seconds integer, p_max_seconds integer,
                                             p_roles text[] default null) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if octet_length(p_key) <> 32 or coalesce(btrim(p_account), '') = '' or p_idle_seconds < 1 or p_max_seconds < 1
     or cardinality(p_roles) > 200 then
    raise exception '会话标识无效' using errcode = 'invalid_parameter_value';
  end if;
  if p_replaces is not null then
    update epi_private.web_session set ended_at = now(), end_reason = 'switch'
     where key = p_replaces and ended_at is null;
  end if;
  delete from epi_private.web_session
   where ended_at < now() - interval '1 hour'
      or seen_at < now() - make_interval(secs => p_idle_seconds) - interval '1 hour'
      or started_at < now() - make_interval(secs => p_max_seconds) - interval '1 hour';
  insert into epi_private.web_session (key, account, grant_roles) values (p_key, p_account, p_roles);
end
$$;
comment on function epi.session_begin(bytea, text, bytea, integer, integer, text[]) is
  'Record a new web session (ending the one it replaces; with the OA roles whose grants give its menus) and purge ended and expired ones.';
