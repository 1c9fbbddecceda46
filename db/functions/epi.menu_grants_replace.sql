/* why: OA's role export is the whole of OA's 菜单授权管理 for the zone (issue 45, point 2): loading it
   makes the grants exactly the file's — new grantees inserted, changed ones updated, those no longer
   in it deleted (revoked) — in the caller's transaction, every change an audit entry
   (menu_grant.insert / update / delete, with the old and new menus and the file as the operation).
   Only ops load it (`invoke load.menu-grants`, the scheduler's re-reading of EPI_OA_MENUS_FILE).
   p_grants: [{"kind": "account"|"role", "grantee": "...", "menus": ["code", ...]}, ...]; the
   loader has checked the codes against the zone's menus, this checks the shape. An empty export is
   refused: it would revoke every menu at once. Answers how many grantees were inserted, updated,
   unchanged and deleted. */
create or replace function epi.menu_grants_replace(p_grants jsonb,
  out inserted integer, out updated integer, out unchanged integer, out deleted integer)
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r record;
  v_old text[];
begin
  perform epi_private.require_kind('只有运维单位可以导入 OA 菜单授权', 'ops');
  if jsonb_typeof(p_grants) is distinct from 'array' or jsonb_array_length(p_grants) = 0 then
    raise exception 'OA 菜单授权为空：导入空的授权会收回所有人的菜单，已拒绝' using errcode = 'EP400';
  end if;
  inserted := 0; updated := 0; unchanged := 0; deleted := 0;
  create temp table if not exists pg_temp.menu_grant_new (grantee_kind text, grantee text, menus text[]) on commit drop;
  truncate pg_temp.menu_grant_new;
  insert into pg_temp.menu_grant_new
  select g->>'kind', g->>'grantee',
         (select array_agg(distinct m order by m) from jsonb_array_elements_text(g->'menus') m)
    from jsonb_array_elements(p_grants) g;
  if exists (select from pg_temp.menu_grant_new n
              where n.grantee_kind is null or n.grantee_kind not in ('account', 'role')
                 or coalesce(n.grantee, '') = '' or n.menus is null
                 or exists (select from unnest(n.menus) m where m !~ '^[a-z_]{1,40}$')) then
    raise exception 'OA 菜单授权格式错误（授权对象类型、授权对象或菜单编码）' using errcode = 'EP400';
  end if;
  if exists (select from pg_temp.menu_grant_new group by grantee_kind, grantee having count(*) > 1) then
    raise exception 'OA 菜单授权中同一授权对象出现多次' using errcode = 'EP400';
  end if;
  for r in select * from pg_temp.menu_grant_new order by grantee_kind, grantee loop
    select g.menus into v_old from epi_private.menu_grant g
     where g.grantee_kind = r.grantee_kind and g.grantee = r.grantee for update;
    if not found then
      insert into epi_private.menu_grant (grantee_kind, grantee, menus) values (r.grantee_kind, r.grantee, r.menus);
      inserted := inserted + 1;
    elsif v_old is distinct from r.menus then
      update epi_private.menu_grant set menus = r.menus, updated_at = now()
       where grantee_kind = r.grantee_kind and grantee = r.grantee;
      updated := updated + 1;
    else
      unchanged := unchanged + 1;
      continue;
    end if;
    perform epi_private.write_audit(case when v_old is null then 'menu_grant.insert' else 'menu_grant.update' end,
      jsonb_build_object('grantee_kind', r.grantee_kind, 'grantee', r.grantee, 'old', to_jsonb(v_old),
                         'new', to_jsonb(r.menus)), 1);
  end loop;
  for r in delete from epi_private.menu_grant g
            where not exists (select from pg_temp.menu_grant_new n
                               where n.grantee_kind = g.grantee_kind and n.grantee = g.grantee)
           returning g.grantee_kind, g.grantee, g.menus loop
    perform epi_private.write_audit('menu_grant.delete',
      jsonb_build_object('grantee_kind', r.grantee_kind, 'grantee', r.grantee, 'old', to_jsonb(r.menus),
                         'new', null), 1);
    deleted := deleted + 1;
  end loop;
end
$$;
comment on function epi.menu_grants_replace(jsonb) is
  'Make OA''s menu grants exactly those of its role export (ops; each change audited as menu_grant.*).';
