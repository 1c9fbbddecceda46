"""The reveal budget and rate on the pages and the API (issue 42, point 2): past either, 429 with the
database's Chinese message (when it resets), the refusal audited; ops set the limits and raise one
account's budget (confirmed, audited); the auditor's home page lists the budget's events."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.web.conftest import OPS_MENUS, UNIT_MENUS, enter, ticket
from tests.web.test_personal_data import FULL

REVEAL = [*UNIT_MENUS, "scan_reveal"]


@pytest.fixture
def scans(seeded_db):
    with psycopg.connect(seeded_db) as c:
        return dict(c.execute("select venue_id, min(scan_id) from epi.scan group by venue_id").fetchall())


def limits(db, daily="5000", per_minute="3"):
    from tests.conftest import as_ops

    with psycopg.connect(db) as c:
        as_ops(c)
        c.execute("select epi.set_reveal_limits(%s, %s)", (daily, per_minute))
        c.commit()


def used_today(db, account, n):
    with psycopg.connect(db) as c:
        c.execute("""insert into epi_private.reveal_use (account, day, revealed)
                     values (%s, (now() at time zone 'Asia/Shanghai')::date, %s)""", (account, n))
        c.commit()


def test_the_api_refuses_a_reveal_past_the_rate_with_429_and_when_to_retry(client, scans, seeded_db):
    limits(seeded_db, per_minute="3")
    headers = {"Authorization": "Bearer " + ticket(menus=REVEAL)}
    answers = [client.post(f"/api/scans/{scans['VA1']}/reveal", json={"reason": "核对入场人员身份"}, headers=headers)
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    with psycopg.connect(seeded_db) as c:
        first = c.execute("select recent[1] from epi_private.reveal_use").fetchone()[0]
    retry = (first + dt.timedelta(minutes=1)).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M:%S")
    assert answers[3].get_json() == {"error": f"查看完整个人信息过于频繁：每个账号每分钟最多查看 3 条，请于 {retry} 后再试"}
    with psycopg.connect(seeded_db) as c:   # the refusal's entry was committed although the answer is an error
        assert c.execute("select action, count(*) from epi.audit_log where action like 'scan.reveal' "
                         "or action like 'reveal.%%' group by 1 order by 1").fetchall() == \
            [("reveal.refused", 1), ("scan.reveal", 3)]


def test_the_page_refuses_a_reveal_past_the_days_budget(client, scans, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    used_today(seeded_db, "a.zhang", 5000)
    res = client.post(f"/scans/{scans['VA1']}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份"})
    page = res.get_data(as_text=True)
    assert res.status_code == 429 and "今日查看完整个人信息已达上限（每日 5000 条，已用 5000 条）" in page
    assert FULL[0] not in page


def test_an_unmasked_export_past_the_budget_is_refused(client, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    used_today(seeded_db, "a.zhang", 4999)
    res = client.post("/scans/export/full", data={"csrf_token": token, "reason": "导出核查", "id_card": FULL[0]})
    assert res.status_code == 429 and "本次导出 3 条完整信息，超过今日剩余额度 1 条" in res.get_data(as_text=True)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.audit_log where action = 'scan.export'").fetchone() == (0,)


def test_ops_set_the_limits_and_raise_one_account_with_confirmation(client, seeded_db):
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    page = client.get("/scan-admin").get_data(as_text=True)
    assert "查看完整个人信息的限额" in page and 'name="daily_budget"' in page and 'value="5000"' in page
    res = client.post("/scan-admin/reveal-limits", data={"csrf_token": token, "daily_budget": "6000", "per_minute": "20"})
    assert res.status_code == 302 and "已保存查看限额" in client.get(res.headers["Location"]).get_data(as_text=True)
    res = client.post("/scan-admin/reveal-limits", data={"csrf_token": token, "daily_budget": "100", "per_minute": "20"})
    assert res.status_code == 400 and "每日查看额度应为 5000 至 1000000 之间的整数" in res.get_data(as_text=True)
    form = {"csrf_token": token, "account": "a.zhang", "budget": "9000", "days": "3", "reason": "疫情处置：密接排查"}
    confirm = client.post("/scan-admin/reveal-raise", data=form)
    assert confirm.status_code == 200 and "确认将账号 a.zhang 今日起 3 天内" in confirm.get_data(as_text=True)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi_private.reveal_raise").fetchone() == (0,)   # not before confirming
    res = client.post("/scan-admin/reveal-raise", data=form | {"confirmed": "1"})
    assert res.status_code == 302
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "已临时提高账号 a.zhang 的查看额度" in page and "疫情处置：密接排查" in page
    res = client.post("/scan-admin/reveal-raise", data=form | {"confirmed": "1", "days": "31"})
    assert res.status_code == 400 and "有效天数应为 1 至 30 之间的整数" in res.get_data(as_text=True)
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select action, account from epi.audit_log where action in "
                         "('setting.update', 'reveal.budget_raise') order by audit_id").fetchall() == \
            [("setting.update", "ops.li"), ("setting.update", "ops.li"), ("reveal.budget_raise", "ops.li")]
    enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)        # a unit cannot
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    assert client.post("/scan-admin/reveal-limits", data={"csrf_token": token, "daily_budget": "999999",
                                                          "per_minute": "600"}).status_code == 403


def test_the_auditors_home_lists_the_budgets_events(client, scans, seeded_db):
    limits(seeded_db, per_minute="1")
    used_today(seeded_db, "a.zhang", 3999)
    token = enter(client, sub="a.zhang", unit="T-A", menus=REVEAL)
    for _ in range(2):
        client.post(f"/scans/{scans['VA1']}/reveal", data={"csrf_token": token, "reason": "核对入场人员身份"})
    enter(client, sub="audit.zhao", unit="OPS", menus=["audit"])
    page = client.get("/").get_data(as_text=True)
    assert "查看完整个人信息的额度事件" in page
    table = page[page.index('id="budget-events"'):]
    assert table.index("超限被拒") < table.index("已用额度超过80%")   # newest first
    assert "每个账号每分钟最多查看 1 条" in table and "今日已用 4000 条，额度 5000 条" in table
    with psycopg.connect(seeded_db) as c:    # the auditor's read of the log is itself an entry (each visit)
        assert c.execute("select distinct account, row_count, detail::text from epi.audit_log "
                         "where action = 'audit.query'").fetchall() == \
            [("audit.zhao", 2, '{"conditions": {"action": "reveal.refused reveal.budget_80 reveal.budget_raise"}}')]
    enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    assert "额度事件" not in client.get("/").get_data(as_text=True)
