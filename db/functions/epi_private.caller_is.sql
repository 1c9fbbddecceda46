/* why: the one predicate of the policies that admit callers by kind ("Ops and jobs see every job
   run"): true when the caller is of one of the kinds given, false for any other kind and for none.
   Policies call it as (select epi_private.caller_is(…)), evaluated once per statement. Owner
   rights: a caller may not even name epi_private (its body is looked up when it runs); granted
   to the zone's roles and each OA login (epi_private.grant_reader), never to PUBLIC. */
create or replace function epi_private.caller_is(variadic p_kinds text[]) returns boolean
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select coalesce(epi_private.current_kind() = any (p_kinds), false) $$;
comment on function epi_private.caller_is(text[]) is 'Whether the caller is of one of the kinds given (false for a caller of no kind): the predicate of the policies by kind.';
