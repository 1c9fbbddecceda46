/* why: where the sign-on names the account and its OA roles but not the menus, the menus are OA's
   grants (issue 45, point 2): the account's own and its roles', each code once, sorted. */
create or replace function epi_private.granted_menus(p_account text, p_roles text[]) returns text[]
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(distinct m order by m), '{}')
    from epi_private.menu_grant g
   cross join lateral unnest(g.menus) m
   where (g.grantee_kind = 'account' and g.grantee = p_account)
      or (g.grantee_kind = 'role' and g.grantee = any (coalesce(p_roles, '{}')))
$$;
comment on function epi_private.granted_menus(text, text[]) is
  'The menu codes OA grants an account, itself and through its roles (epi_private.menu_grant).';
