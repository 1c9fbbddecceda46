"""Personal data 2 of 3, point 2: the audit menu (审计日志), apart from ops — the only identity that
reads the audit log; searches by account, unit, action, time and a person's ID number or phone
(through the keyed hash); paged; exported; each search and export itself audited."""
from __future__ import annotations

import io
import re

import psycopg
import pytest

from tests.conftest import as_auditor, as_ops, attempt, become
from tests.web.conftest import OPS_MENUS, enter

FULL_ID, FULL_PHONE = "00000000000000000X", "14400009999"
KEY = "test-audit-key-not-real-0123456789abcdef"


@pytest.fixture(autouse=True)
def audit_key(monkeypatch):
    monkeypatch.setenv("EPI_AUDIT_HMAC_KEY", KEY)


# the home page's list of the reveal budget's events, itself an entry (web/signin.py)
HOME_READ = {"conditions": {"action": "reveal.refused reveal.budget_80 reveal.budget_raise"}}


def auditor(client):
    return enter(client, path="/audit", sub="audit.wang", unit=None, menus=["audit"], name="测试审计员")


def entries(url, action):
    with psycopg.connect(url) as c:
        c.row_factory = psycopg.rows.dict_row
        return c.execute("select * from epi.audit_log where action = %s order by audit_id", (action,)).fetchall()


def test_an_auditor_finds_who_looked_a_person_up(app, client, seeded_db):
    # unit A searches for the person by ID number, unit A again by phone, then by a venue only
    enter(client, sub="a.zhang", unit="T-A", name="测试张")
    client.get(f"/scans?id_card={FULL_ID}")
    client.get(f"/scans?phone={FULL_PHONE}")
    client.get("/scans?venue_id=VA1")
    other = app.test_client()
    enter(other, sub="b.li", unit="T-B", name="测试李")
    other.get(f"/scans?id_card={FULL_ID}")
    audit = app.test_client()
    auditor(audit)
    page = audit.get(f"/audit?id_card={FULL_ID}").get_data(as_text=True)
    assert "a.zhang" in page and "b.li" in page and page.count('<span title="scan.query">查询扫码记录</span>') == 2
    # only in what the auditor typed (the form, the export and pager links), never in the rows
    assert FULL_ID not in page.split("<tbody>")[1].split("</tbody>")[0]
    page = audit.get(f"/audit?phone={FULL_PHONE}").get_data(as_text=True)
    assert "a.zhang" in page and "b.li" not in page
    page = audit.get("/audit?account=b.li").get_data(as_text=True)
    assert "b.li" in page and "a.zhang" not in page
    page = audit.get("/audit?unit_code=T-A&action=scan.query").get_data(as_text=True)
    assert page.count('<span title="scan.query">查询扫码记录</span>') == 3 and "b.li" not in page
    # the auditor's searches are themselves entries, the person's number masked and hashed
    mine = [e for e in entries(seeded_db, "audit.query") if e["detail"] != HOME_READ]
    assert [e["account"] for e in mine] == ["audit.wang"] * len(mine) and mine[0]["caller_kind"] == "auditor"
    assert mine[0]["detail"] == {"conditions": {"id_card": "000000********000X"}} and len(mine[0]["subject_hashes"]) == 1
    assert all(FULL_ID not in str(e) and FULL_PHONE not in str(e) for e in mine)


def test_the_page_is_paged_and_filters_by_time(app, client, seeded_db):
    enter(client, sub="a.zhang", unit="T-A")
    for _ in range(55):
        client.get("/scans?venue_id=VA1")
    audit = app.test_client()
    auditor(audit)
    first = audit.get("/audit?action=scan.query&size=50").get_data(as_text=True)
    assert first.count("<tr>") == 51 and 'rel="next"' in first and "共 55 条" in first  # header + 50
    ids = [int(i) for i in re.findall(r"<tr><td>(\d+)</td>", first)]
    assert ids == sorted(ids, reverse=True)  # newest first
    second = audit.get("/audit?action=scan.query&size=50&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 6 and 'rel="next"' not in second
    assert max(int(i) for i in re.findall(r"<tr><td>(\d+)</td>", second)) < min(ids)
    oldest = audit.get("/audit?action=scan.query&sort=audit_id&dir=asc&size=20").get_data(as_text=True)
    assert next(int(i) for i in re.findall(r"<tr><td>(\d+)</td>", oldest)) < min(ids)
    assert "没有符合条件" in audit.get("/audit?at_to=2020-01-01").get_data(as_text=True)
    assert audit.get("/audit?at_from=2020-13-01").status_code == 400


def test_the_export_is_audited_and_holds_the_page_columns(app, client, seeded_db):
    from openpyxl import load_workbook

    from web.audit import COLUMNS

    enter(client, sub="a.zhang", unit="T-A")
    client.get(f"/scans?id_card={FULL_ID}")
    audit = app.test_client()
    auditor(audit)
    res = audit.get("/audit/export?action=scan.query")
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.data)).active
    rows = list(ws.values)
    assert list(rows[0]) == [label for _, label in COLUMNS]
    assert len(rows) == 2 and rows[1][2] == "a.zhang" and rows[1][5] == "监管单位"
    assert FULL_ID not in str(rows)
    [export] = entries(seeded_db, "audit.export")
    assert export["row_count"] == 1 and export["detail"] == {"conditions": {"action": "scan.query"}}


def test_ops_and_units_no_longer_read_the_log(app, client, seeded_db, conn, world):
    enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    assert client.get("/audit").status_code == 403
    enter(client, sub="a.zhang", unit="T-A")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export").status_code == 403
    # in the database: ops' role reads nothing of the log; the auditor's role reads it and nothing else
    as_ops(conn)
    assert "permission denied" in str(attempt(conn, "select * from epi.audit_log"))
    as_auditor(conn, "audit.wang")
    assert conn.execute("select count(*) from epi.audit_log").fetchone()[0] > 0
    for table in ("epi.scan", "epi.venue", "epi.unit", "epi.alert", "oa.scan", "epi.sms_outbox"):
        assert "permission denied" in str(attempt(conn, f"select 1 from {table} limit 1")), table
    assert "permission denied" in str(attempt(conn, "update epi.audit_log set account = 'x'"))
    assert "permission denied" in str(attempt(conn, "select epi.audit_scan_access('scan.query', '{}', 0)"))
    # an auditor cannot record an entry of another kind, nor a unit an auditor's
    assert "未知的访问类型" in str(attempt(conn, "select epi.audit_log_access('scan.query', '{}', 0)"))
    become(conn, session="epi_web", role="epi_unit", unit="T-A", account="a.zhang")
    assert "permission denied" in str(attempt(conn, "select epi.audit_log_access('audit.query', '{}', 0)"))


@pytest.mark.parametrize("others", [["venue_admin"], ["scan_admin"], ["scan_query", "scan_reveal"], ["alert"]])
def test_the_audit_menu_comes_alone(client, others):
    """Separation of duties (issue 42, point 4): a ticket carrying 审计日志 with any other menu is
    refused with its reason, before any session is made; alone, it signs on."""
    from tests.web.conftest import sign_on, ticket

    res = sign_on(client, ticket(sub="audit.wang", unit=None, menus=["audit", *others], name="测试审计员"), "/audit")
    assert res.status_code == 403
    assert "审计账号不得兼任其他菜单" in res.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "user" not in s
    assert sign_on(client, ticket(sub="audit.wang", unit=None, menus=["audit"], name="测试审计员"), "/audit").status_code == 302


def test_the_audit_page_speaks_chinese_and_keeps_the_raw_entry_one_click_away(app, client, seeded_db):
    """Issue 47, point 5: actions, menus, database logins in Chinese; 详情 as labelled fields."""
    import html as html_
    import re

    token = enter(client, sub="a.zhang", unit="T-A", name="测试张")
    with psycopg.connect(seeded_db) as c:
        alert = c.execute("select alert_id from epi.alert where venue_id = 'VA1'").fetchone()[0]
    assert client.post(f"/alerts/{alert}/accept", data={"csrf_token": token}).status_code == 302
    auditor(client)
    page = client.get("/audit?action=alert.accept").get_data(as_text=True)
    row = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert '<span title="alert.accept">接收预警</span>' in row
    assert "<td>“扫码”预警</td>" in row and "Web 应用<small>（epi_web）</small>" in row
    assert "<dt>公共场所ID</dt><dd>VA1</dd>" in row                      # 详情 as labelled fields
    raw = html_.unescape(re.search(r"<summary>原始记录</summary><code>(.*?)</code>", row, re.S).group(1))
    assert '"venue_id": "VA1"' in raw                                     # the raw entry, one click away
    assert '<option value="scan.reveal">查看完整个人信息</option>' in page   # the action list in Chinese


def test_the_zones_own_accounts_are_named_in_chinese(client, seeded_db, tmp_path):
    """Issue 47, point 5: an entry of the OA refresh (account oa.menus) names it, not only its code."""
    from db import database
    from loaders import registry
    from tests.loaders.test_menu_grants import ROWS, grants_file

    registry.load_menu_grants(grants_file(tmp_path, ROWS), account="oa.menus",
                              url=database.web_url(database.database_name(seeded_db)))
    auditor(client)
    page = client.get("/audit?action=menu_grant.insert").get_data(as_text=True)
    assert "<td>OA 菜单授权刷新<small>（oa.menus）</small></td>" in page
    assert '<span title="menu_grant.insert">新增菜单授权</span>' in page
    assert "<dt>授权对象类型</dt><dd>角色</dd>" in page

