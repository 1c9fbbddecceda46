"""OA's role export (issue 45, point 2): `invoke load.menu-grants` makes the grants exactly the
file's, every change audited; a bad row is named (file, sheet, row, column) and nothing is written;
an empty export is refused, never read as "revoke everything"."""
from __future__ import annotations

import psycopg
import pytest

from loaders import registry
from loaders.errors import LoadError
from tests.conftest import as_ops
from tests.loaders import workbooks as wbk

HEADER = ["授权对象类型", "授权对象", "菜单"]


def grants_file(tmp_path, rows, name="菜单授权.xlsx"):
    return wbk.xlsxwriter_book(tmp_path / name, {"菜单授权": rows}, header=HEADER)


ROWS = [["角色", "unit_staff", "scan_query"],
        ["角色", "unit_staff", "扫码统计查询、alert"],          # OA exports a row per role and menu: they add up
        ["角色", "city_ops", "venue_admin, scan_admin"],
        ["账号", "a.zhang", "threshold"],
        ["角色", "auditors", "审计日志"]]


def grants(admin) -> list[tuple]:
    return admin.execute("select grantee_kind, grantee, menus from epi_private.menu_grant order by 1, 2").fetchall()


def test_the_grants_become_the_files_and_every_change_is_audited(tmp_path, web, admin):
    first = registry.load_menu_grants(grants_file(tmp_path, ROWS), account="dba", url=web)
    assert (first.rows, first.grantees, first.inserted, first.updated, first.unchanged, first.deleted) == (5, 4, 4, 0, 0, 0)
    assert grants(admin) == [("account", "a.zhang", ["threshold"]),
                             ("role", "auditors", ["audit"]),
                             ("role", "city_ops", ["scan_admin", "venue_admin"]),
                             ("role", "unit_staff", ["alert", "scan_query", "scan_stats"])]
    # OA took 预警 from the unit staff and no longer lists the auditors' role: revoked
    second = registry.load_menu_grants(grants_file(tmp_path, [ROWS[0], ["角色", "unit_staff", "scan_stats"], ROWS[2], ROWS[3]],
                                                   "菜单授权2.xlsx"), account="oa.menus", url=web)
    assert (second.inserted, second.updated, second.unchanged, second.deleted) == (0, 1, 2, 1)
    assert "更新 1" in second.describe("菜单授权导入完成") and "收回（OA 中已无授权）1" in second.describe("x")
    assert grants(admin)[-1] == ("role", "unit_staff", ["scan_query", "scan_stats"])
    entries = admin.execute(
        "select action, account, detail->>'grantee', detail->'old', detail->'new', detail->'operation'->>'file_name' "
        "from epi.audit_log where action like 'menu_grant.%' order by audit_id").fetchall()
    assert entries[4:] == [
        ("menu_grant.update", "oa.menus", "unit_staff", ["alert", "scan_query", "scan_stats"], ["scan_query", "scan_stats"],
         "菜单授权2.xlsx"),
        ("menu_grant.delete", "oa.menus", "auditors", ["audit"], None, "菜单授权2.xlsx")]
    assert [(a, g) for a, _, g, *_ in entries[:4]] == [("menu_grant.insert", "a.zhang"), ("menu_grant.insert", "auditors"),
                                                      ("menu_grant.insert", "city_ops"), ("menu_grant.insert", "unit_staff")]


def test_bad_rows_are_named_and_nothing_is_written(tmp_path, web, admin):
    registry.load_menu_grants(grants_file(tmp_path, ROWS), account="dba", url=web)
    before = grants(admin)
    rows = [["部门", "x", "alert"],                      # row 2: neither 账号 nor 角色
            ["角色", "", "alert"],                       # row 3: no grantee
            ["角色", "r1", "alert、预警管理"],             # row 4: no such menu
            ["账号", "w.audit", "audit, venue_admin"],    # row 5: the audit menu with another
            ["角色", "r2", ""]]                           # row 6: no menu
    with pytest.raises(LoadError) as info:
        registry.load_menu_grants(grants_file(tmp_path, rows, "坏授权.xlsx"), account="dba", url=web)
    text = str(info.value)
    assert text.startswith("文件“坏授权.xlsx”未导入，没有写入任何数据")
    for line in ("工作表“菜单授权”第 2 行“授权对象类型”列：应为“账号”或“角色”，而不是“部门”",
                 "工作表“菜单授权”第 3 行“授权对象”列：不能为空",
                 "工作表“菜单授权”第 4 行“菜单”列：未知的菜单“预警管理”（可填菜单编码或名称：venue_admin（场所信息管理）",
                 "工作表“菜单授权”第 5 行“菜单”列：w.audit：审计账号不得兼任其他菜单",
                 "工作表“菜单授权”第 6 行“菜单”列：不能为空"):
        assert line in text, line
    assert grants(admin) == before


def test_an_empty_export_is_refused_and_revokes_nothing(tmp_path, web, admin):
    registry.load_menu_grants(grants_file(tmp_path, ROWS), account="dba", url=web)
    with pytest.raises(LoadError, match="文件中没有菜单授权数据（导入空的授权会收回所有人的菜单）"):
        registry.load_menu_grants(grants_file(tmp_path, [], "空.xlsx"), account="dba", url=web)
    with pytest.raises(LoadError, match="缺少表头：菜单"):
        wbk.xlsxwriter_book(tmp_path / "x.xlsx", {"菜单授权": [["角色", "r"]]}, header=HEADER[:2])
        registry.load_menu_grants(tmp_path / "x.xlsx", account="dba", url=web)
    assert len(grants(admin)) == 4


def test_the_database_refuses_an_empty_or_malformed_export_and_callers_other_than_ops(conn):
    as_ops(conn)
    with pytest.raises(psycopg.Error) as info:
        conn.execute("select * from epi.menu_grants_replace('[]')")
    assert (info.value.sqlstate, info.value.diag.message_primary) == \
        ("EP400", "OA 菜单授权为空：导入空的授权会收回所有人的菜单，已拒绝")
    conn.rollback()
    as_ops(conn)
    with pytest.raises(psycopg.Error) as info:
        conn.execute("""select * from epi.menu_grants_replace('[{"kind": "role", "grantee": "r", "menus": ["Audit; drop"]}]')""")
    assert (info.value.sqlstate, info.value.diag.message_primary) == \
        ("EP400", "OA 菜单授权格式错误（授权对象类型、授权对象或菜单编码）")
