/* why: the one place that answers "what kind of caller is this?" — 'ops', 'unit', 'jobs' or NULL.
   The web login (epi_web, NOINHERIT, owns nothing) is trusted for the role it switched to with
   SET LOCAL ROLE (the unit role only together with a unit in epi.unit); the jobs role by its own
   name; an OA reader login only by its binding in epi_private.oa_login. Anyone else (including a superuser who merely SET ROLE epi_ops) is NULL
   and sees nothing. current_setting('role') keeps the SET ROLE value inside security-definer
   functions, where current_user is the owner. */
create or replace function epi_private.current_kind() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select case
    when session_user = 'epi_web' then
      case current_setting('role')
        when 'epi_ops' then 'ops'
        when 'epi_unit' then case when nullif(current_setting('epi.unit', true), '') is not null then 'unit' end
      end
    when session_user = 'epi_jobs' or current_setting('role') = 'epi_jobs' then 'jobs'
    else (select case when b.is_ops then 'ops' else 'unit' end
            from epi_private.oa_login b
           where b.login = session_user)
  end
$$;
comment on function epi_private.current_kind() is 'ops | unit | jobs | NULL: what kind of caller this transaction acts as.';
