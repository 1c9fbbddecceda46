/* why: a refused sign-on (a state mismatch, a token of another issuer or audience, a wrong nonce, a
   provider that does not answer, a missing claim, an account whose menus need a unit it lacks) is
   an audit entry (issue 45, point 3): what was tried, why it was refused, the account when the
   provider named one — written by the web login before anybody is signed on (the policy
   "Refused sign-ons are written by the web login" on epi.audit_log admits this action only). */
create or replace function epi.sso_refused(p_method text, p_reason text, p_account text default null) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform set_config('epi.account', 'sso:' || left(coalesce(nullif(btrim(p_account), ''), '-'), 100), true);
  perform epi_private.write_audit('sso.refused',
    jsonb_build_object('method', left(p_method, 20), 'reason', left(p_reason, 500),
                       'account', nullif(left(btrim(coalesce(p_account, '')), 100), '')), null);
end
$$;
comment on function epi.sso_refused(text, text, text) is 'Audit a refused sign-on (sso.refused): method, reason, the account the provider named.';
