/* why: who to write into audit entries, accepted_by and imported_by. The web login passes the
   person's OA login account in epi.account; every other login is itself. */
create or replace function epi_private.current_account() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select case
    when session_user = 'epi_web' then nullif(current_setting('epi.account', true), '')
    else session_user::text
  end
$$;
comment on function epi_private.current_account() is 'Login account of the person (web) or database login (others) acting now.';
