"""The 扫码进场信息管理 page's 保存期限 (Personal data 2 of 3, point 3): ops set scan_retention_days
after a confirmation; the page shows the policy and the next purge; the change is audited."""
from __future__ import annotations

import psycopg

from tests.web.conftest import enter


def audited(url):
    with psycopg.connect(url) as c:
        return c.execute("select account, detail->'new' from epi.audit_log where action = 'setting.update' "
                         "and detail->>'key' = 'scan_retention_days' order by audit_id").fetchall()


def test_ops_set_the_retention_after_a_confirmation(client, ops, seeded_db):
    client, token = ops
    page = client.get("/scan-admin").get_data(as_text=True)
    assert "未设置保存期限：扫码记录一直保存" in page and "审计日志保存 180 天" in page
    asked = client.post("/scan-admin/retention", data={"csrf_token": token, "days": "30"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认将扫码记录保存期限设为 30 天" in text and "不可恢复" in text
    assert audited(seeded_db) == []  # nothing changed before the confirmation
    done = client.post("/scan-admin/retention", data={"csrf_token": token, "days": "30", "confirmed": "1"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已将扫码记录保存期限设为 30 天" in page and "扫码记录保存 <strong>30</strong> 天" in page
    assert "下次清理为" in page and "的扫码记录" in page
    assert audited(seeded_db) == [("ops.li", 30)]
    client.post("/scan-admin/retention", data={"csrf_token": token, "days": "", "confirmed": "1"})
    assert audited(seeded_db) == [("ops.li", 30), ("ops.li", None)]


def test_a_short_or_odd_retention_is_refused_and_units_cannot_set_it(client, ops, seeded_db, app):
    client, token = ops
    for days in ("13", "abc", "-5", "1.5"):
        res = client.post("/scan-admin/retention", data={"csrf_token": token, "days": days, "confirmed": "1"})
        assert res.status_code == 400 and "不小于 14" in res.get_data(as_text=True), days
    assert client.post("/scan-admin/retention", data={"days": "30", "confirmed": "1"}).status_code == 400  # no CSRF
    unit = app.test_client()
    csrf = enter(unit, sub="a.zhang", unit="T-A")
    assert unit.post("/scan-admin/retention", data={"csrf_token": csrf, "days": "30", "confirmed": "1"}).status_code == 403
    assert audited(seeded_db) == []
