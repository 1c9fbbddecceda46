/* why: the CAS server's single logout (a logoutRequest with the service ticket as SessionIndex) ends
   the session begun from that ticket, for every copy of its cookie (issue 45). Returns how many
   sessions ended (0 or 1). */
create or replace function epi.session_end_sso(p_ticket bytea) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  n integer;
begin
  update epi_private.web_session set ended_at = now(), end_reason = 'logout'
   where sso_ticket = p_ticket and ended_at is null;
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function epi.session_end_sso(bytea) is 'End the session begun from a CAS service ticket (single logout).';
