/* why: who to write into audit entries, accepted_by and imported_by: the person's OA login
   account that the web login passes, or the database login itself. The dispatch on the caller
   is epi_private.current_caller(). */
create or replace function epi_private.current_account() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select c.account from epi_private.current_caller() c $$;
comment on function epi_private.current_account() is 'Login account of the person (web) or database login (others) acting now.';
