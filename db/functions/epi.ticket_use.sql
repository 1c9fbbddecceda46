/* why: a sign-on ticket replayed from a browser history, a proxy log or a shoulder must not open a
   second session. The web login records each ticket's key as it signs a user on, in a transaction
   of its own committed before the session exists; true when the ticket was not used before. The
   keys of tickets expired (beyond the verifier's 30 s leeway) go on the way. */
create or replace function epi.ticket_use(p_key bytea, p_expires timestamptz) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if octet_length(p_key) <> 32 or p_expires is null then
    raise exception '登录凭据的标识无效' using errcode = 'invalid_parameter_value';
  end if;
  delete from epi_private.used_ticket where expires_at < now() - interval '2 minutes';
  insert into epi_private.used_ticket (key, expires_at) values (p_key, p_expires) on conflict (key) do nothing;
  return found;
end
$$;
comment on function epi.ticket_use(bytea, timestamptz) is 'Record an OA sign-on ticket as used; false when it already was.';
