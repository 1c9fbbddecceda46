/* Issue 42, point 5: no unaudited full read. oa.scan_full and `db.grant-oa --reveal` are retired:
   a read of the view was audited only where the server loaded pgAudit (194 unmasked records read
   with no entry anywhere on one without it). What earlier versions granted goes: the view (and its
   grants with it), every bound login's raw columns of epi.scan, the bindings' may_reveal. An OA
   system that needs a full value asks the reveal API with a bearer ticket (one record, a reason,
   an audit entry, the caller's budget). */
drop view if exists oa.scan_full;
do $$
declare
  v_login text;
begin
  for v_login in select b.login from epi_private.oa_login b join pg_catalog.pg_roles r on r.rolname = b.login loop
    execute format('revoke select (id_card, person_name, phone) on epi.scan from %I', v_login);
  end loop;
end
$$;
alter table epi_private.oa_login no force row level security;
update epi_private.oa_login set may_reveal = false where may_reveal;
alter table epi_private.oa_login force row level security;
comment on column epi_private.oa_login.may_reveal is 'Retired (issue 42): always false; no OA login reads full personal data.';
alter table epi_private.oa_login add constraint oa_login_never_reveals check (not may_reveal);
comment on constraint oa_login_never_reveals on epi_private.oa_login is 'OA 读取账号不得读取完整个人信息（oa.scan_full 与 --reveal 已停用）';
