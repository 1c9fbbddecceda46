/* why: the pop-up's sign-on succeeded (issue 45, point 4): the user it established (account, name,
   机构编码, menus or roles, the CAS ticket's hash) waits for the frame, under the SHA-256 of a
   one-time code that the pop-up hands only to the window that opened it. Once: a hand-off already
   signed on, or expired, is not completed again (false). */
create or replace function epi.sso_handoff_complete(p_popup bytea, p_code bytea, p_signed_on jsonb) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  update epi_private.sso_handoff set code = p_code, signed_on = p_signed_on
   where popup = p_popup and code is null and created_at >= now() - interval '10 minutes';
  return found;
end
$$;
comment on function epi.sso_handoff_complete(bytea, bytea, jsonb) is
  'Leave the user a framed sign-on''s pop-up established for the frame, under a one-time code (once).';
