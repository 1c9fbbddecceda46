/* why: the one identity guard of the functions only some callers may run (the jobs' steps, ops'
   acts, the auditors' and the access recorders): a caller of another kind, or of none, is refused
   with insufficient_privilege (42501) and the function's own message. Written once, so that no
   guard forgets the caller of no kind (`null not in (…)` is not true: it let one through). */
create or replace function epi_private.require_kind(p_message text, variadic p_kinds text[]) returns void
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if not coalesce(epi_private.current_kind() = any (p_kinds), false) then
    raise exception '%', p_message using errcode = 'insufficient_privilege';
  end if;
end
$$;
comment on function epi_private.require_kind(text, text[]) is
  'Refuse (42501, with the message given) a caller whose kind is not one of those given, or who has none.';
