/* why: the one dispatch on who is calling, read by current_kind(), current_unit() and
   current_account():
   - the web login (epi_web, NOINHERIT, owns nothing) is trusted for the role it switched to with
     SET LOCAL ROLE (the unit role only together with a unit in epi.unit; epi_auditor, the audit
     menu, reads the audit log and nothing else) and for the unit and account it set
     transaction-locally;
   - the jobs role by its own name (also an admin who SET ROLE epi_jobs, as `invoke jobs.run` does);
   - an OA reader login only by its binding in epi_private.oa_login;
   - anyone else (including a superuser who merely SET ROLE epi_ops) has no kind and no unit and
     sees nothing.
   current_setting('role') keeps the SET ROLE value inside security-definer functions, where
   current_user is the owner. After SET LOCAL ends, current_setting returns '' rather than NULL,
   hence nullif: NULL or '' means no unit-scoped rows, never all rows. */
create or replace function epi_private.current_caller(out kind text, out unit text, out account text)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  with caller (who) as (
    select case
      when session_user = 'epi_web' then 'web'
      when session_user = 'epi_jobs' or current_setting('role') = 'epi_jobs' then 'jobs'
      else 'reader'
    end
  ), binding as (
    select b.is_ops, b.unit_code from epi_private.oa_login b where b.login = session_user
  )
  select case c.who
           when 'web' then case current_setting('role')
                             when 'epi_ops' then 'ops'
                             when 'epi_auditor' then 'auditor'
                             when 'epi_unit' then case when nullif(current_setting('epi.unit', true), '') is not null
                                                       then 'unit' end
                           end
           when 'jobs' then 'jobs'
           else (select case when b.is_ops then 'ops' else 'unit' end from binding b)
         end,
         case c.who
           when 'web' then nullif(current_setting('epi.unit', true), '')
           when 'jobs' then null
           else (select b.unit_code from binding b)
         end,
         case c.who
           when 'web' then nullif(current_setting('epi.account', true), '')
           else session_user::text
         end
    from caller c
$$;
comment on function epi_private.current_caller() is 'Who is calling: kind (ops | unit | auditor | jobs | NULL), unit_code, account; the one dispatch on the caller.';
