/* why: "what kind of caller is this?" — 'ops', 'unit', 'jobs' or NULL (sees nothing); every
   policy asks it. The dispatch on the caller is epi_private.current_caller(). */
create or replace function epi_private.current_kind() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select c.kind from epi_private.current_caller() c $$;
comment on function epi_private.current_kind() is 'ops | unit | jobs | NULL: what kind of caller this transaction acts as.';
