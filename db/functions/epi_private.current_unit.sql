/* why: "which unit is this?" — the unit a unit caller reads as, NULL for everyone else (NULL means
   no unit-scoped rows, never all rows). The dispatch on the caller is epi_private.current_caller(). */
create or replace function epi_private.current_unit() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select c.unit from epi_private.current_caller() c $$;
comment on function epi_private.current_unit() is 'unit_code this transaction reads as, or NULL.';
