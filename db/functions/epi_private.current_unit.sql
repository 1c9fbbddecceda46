/* why: the one place that answers "which unit is this?". From the transaction-local setting
   epi.unit only when the session user is the trusted web login; from the login's binding for OA
   readers; NULL otherwise. NULL or '' means no unit-scoped rows, never all rows
   (after SET LOCAL ends, current_setting returns '' rather than NULL, hence nullif). */
create or replace function epi_private.current_unit() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select case
    when session_user = 'epi_web' then nullif(current_setting('epi.unit', true), '')
    when session_user = 'epi_jobs' or current_setting('role') = 'epi_jobs' then null
    else (select b.unit_code from epi_private.oa_login b where b.login = session_user)
  end
$$;
comment on function epi_private.current_unit() is 'unit_code this transaction reads as, or NULL.';
