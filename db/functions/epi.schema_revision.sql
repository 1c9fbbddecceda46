/* why: a load balancer asks /readyz whether this process can serve, and a process whose code is
   newer or older than the database's schema cannot. The web login reads the revision before it
   acts as anyone; the version table itself stays the owner's. */
create or replace function epi.schema_revision() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select version_num from epi_private.alembic_version limit 1 $$;
comment on function epi.schema_revision() is 'The alembic revision the database''s schema is at (for /readyz).';
