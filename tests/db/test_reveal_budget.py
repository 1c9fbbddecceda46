"""The reveal budget and rate (issue 42, point 2): each account's revealed records a day (reveals
plus unmasked exported rows) and reveals a minute are counted in the database, refused past the
limits with a Chinese message saying when they reset, and audited: each refusal, the first pass of
80% of a day's budget, and each raise ops grant. The limits are settings only ops change."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from core import crypto
from tests.conftest import as_admin, as_auditor, as_ops, as_unit, attempt, build_world
from tests.db.test_masking import WORLD_ID

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def scan_ids(conn, venue):
    return [r[0] for r in conn.execute("select scan_id from epi.scan where venue_id = %s order by 1", (venue,))]


def reveal(conn, scan_id, reason="核对入场人员身份"):
    """(rows, the refusal's message or '')."""
    rows = [crypto.sealer().open(*r)[:1] for r in conn.execute(
        "select personal, key_version, id_card_digest, phone_digest from epi.reveal_scans(%s, %s)", ([scan_id], reason))]
    return rows, conn.execute("select current_setting('epi.refused', true)").fetchone()[0]


def entries(conn, action):
    as_auditor(conn)
    return conn.execute("select account, row_count, detail, subject_hashes from epi.audit_log where action = %s "
                        "order by audit_id", (action,)).fetchall()


def set_use(conn, account, revealed):
    as_admin(conn)
    conn.execute("""insert into epi_private.reveal_use (account, day, revealed)
                    values (%s, (clock_timestamp() at time zone 'Asia/Shanghai')::date, %s)
                    on conflict (account, day) do update set revealed = excluded.revealed""", (account, revealed))


def recent(conn, account):
    """The times of the account's reveals in its row of today."""
    as_admin(conn)
    return conn.execute("select recent from epi_private.reveal_use where account = %s", (account,)).fetchone()[0]


def test_the_defaults_are_5000_a_day_and_30_a_minute(conn):
    as_ops(conn)
    assert conn.execute("select key, value from epi.setting where key like 'reveal%%' order by 1").fetchall() == \
        [("reveal_daily_budget", 5000), ("reveal_per_minute", 30)]


def test_past_the_rate_a_reveal_is_refused_until_a_minute_after_the_oldest_and_audited(conn, world):
    own = scan_ids(conn, "VA1")[0]
    as_unit(conn, "T-A", account="a.zhang")
    for _ in range(30):
        assert reveal(conn, own) == ([(WORLD_ID,)], "")
    rows, message = reveal(conn, own)
    free = (recent(conn, "a.zhang")[0] + dt.timedelta(minutes=1)).astimezone(SHANGHAI)
    assert rows == [] and message == f"查看完整个人信息过于频繁：每个账号每分钟最多查看 30 条，请于 {free:%H:%M:%S} 后再试"
    as_unit(conn, "T-A", account="a.zhang")
    [(account, n, detail, _)] = entries(conn, "reveal.refused")
    assert (account, n, detail["refused"], detail["scan_ids"], detail["per_minute"], detail["message"]) == \
        ("a.zhang", 1, "scan.reveal", [own], 30, message)
    assert len(entries(conn, "scan.reveal")) == 30           # the refused one revealed nothing
    as_unit(conn, "T-B", account="b.li")                     # another account has its own minute
    assert reveal(conn, scan_ids(conn, "VB1")[0])[1] == ""
    as_admin(conn)                                            # a minute later: the oldest has left the window
    conn.execute("""update epi_private.reveal_use set recent = array(select t - case when o = 1 then interval '61 seconds'
                                                                                 else interval '0' end
                                                                     from unnest(recent) with ordinality u(t, o))
                    where account = 'a.zhang'""")
    as_unit(conn, "T-A", account="a.zhang")
    assert reveal(conn, own) == ([(WORLD_ID,)], "")
    assert reveal(conn, own)[1].startswith("查看完整个人信息过于频繁")   # one left, one came: 30 again
    assert len(recent(conn, "a.zhang")) == 30


def test_past_the_days_budget_reveals_and_exports_are_refused_until_tomorrow(conn, world):
    own = scan_ids(conn, "VA1")[0]
    tomorrow = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=1)).date()
    set_use(conn, "a.zhang", 5000)
    as_unit(conn, "T-A", account="a.zhang")
    rows, message = reveal(conn, own)
    assert rows == [] and message == ("今日查看完整个人信息已达上限（每日 5000 条，已用 5000 条），额度于 "
                                      f"{tomorrow} 00:00 重置；如因疫情处置确需更多，请联系运维单位临时提高额度")
    set_use(conn, "a.zhang", 4998)
    as_unit(conn, "T-A", account="a.zhang")
    rows = conn.execute("select * from epi.export_scans_full(%s::bigint[], null, null, null, null, '导出核查', %s, %s)",
                        (crypto.sealer().id_digests(WORLD_ID), psycopg.types.json.Jsonb({"id_card": WORLD_ID}),
                         ["ab" * 32])).fetchall()
    assert rows == []
    assert conn.execute("select current_setting('epi.refused')").fetchone()[0] == (
        f"本次导出 3 条完整信息，超过今日剩余额度 2 条（每日 5000 条），额度于 {tomorrow} 00:00 重置；"
        "如因疫情处置确需更多，请联系运维单位临时提高额度")
    refused = entries(conn, "reveal.refused")
    assert [(r[0], r[1], r[2]["refused"], r[2]["used_today"], r[2]["budget"]) for r in refused] == \
        [("a.zhang", 1, "scan.reveal", 5000, 5000), ("a.zhang", 3, "scan.export", 4998, 5000)]
    assert refused[1][2]["conditions"] == {"id_card": "000000********000X"} and refused[1][3] == ["ab" * 32]
    assert WORLD_ID not in str(refused)
    assert entries(conn, "scan.export") == [] and entries(conn, "scan.reveal") == []
    as_admin(conn)
    assert conn.execute("select revealed from epi_private.reveal_use where account = 'a.zhang'").fetchone() == (4998,)


def test_an_export_counts_its_rows_and_80_percent_is_recorded_once(conn, world):
    set_use(conn, "a.zhang", 3997)
    as_unit(conn, "T-A", account="a.zhang")
    assert len(conn.execute("select * from epi.export_scans_full(%s::bigint[], null, null, null, null, '导出核查')",
                            (crypto.sealer().id_digests(WORLD_ID),)).fetchall()) == 3          # 4,000 of 5,000: 80%
    reveal(conn, scan_ids(conn, "VA1")[0])
    [(account, n, detail, _)] = entries(conn, "reveal.budget_80")
    assert (account, n, detail["used_today"], detail["budget"]) == ("a.zhang", 4000, 4000, 5000)
    as_admin(conn)
    assert conn.execute("select revealed, cardinality(recent), warned from epi_private.reveal_use "
                        "where account = 'a.zhang'").fetchone() == (4001, 1, True)   # the export is no reveal


def test_a_raise_lifts_one_accounts_budget_for_its_days_and_is_audited(conn, world):
    today = dt.datetime.now(SHANGHAI).date()
    as_ops(conn, account="ops.wang")
    assert conn.execute("select epi.raise_reveal_budget(' a.zhang ', '8000', '3', ' 疫情处置：密接排查 ')").fetchone() == \
        (today + dt.timedelta(days=2),)
    set_use(conn, "a.zhang", 5000)
    set_use(conn, "b.li", 5000)
    as_unit(conn, "T-A", account="a.zhang")
    assert reveal(conn, scan_ids(conn, "VA1")[0])[1] == ""
    as_unit(conn, "T-B", account="b.li")
    assert reveal(conn, scan_ids(conn, "VB1")[0])[1].startswith("今日查看完整个人信息已达上限（每日 5000 条")
    [(account, n, detail, _)] = entries(conn, "reveal.budget_raise")
    assert (account, n) == ("ops.wang", 1) and detail == {
        "for_account": "a.zhang", "budget": 8000, "default_budget": 5000, "first_day": today.isoformat(),
        "last_day": (today + dt.timedelta(days=2)).isoformat(), "days": 3, "reason": "疫情处置：密接排查"}
    as_ops(conn)
    assert conn.execute("select account, used_today, budget, raised_until, raise_reason, raised_by "
                        "from epi.reveal_budgets()").fetchall() == [
        ("a.zhang", 5001, 8000, today + dt.timedelta(days=2), "疫情处置：密接排查", "ops.wang"),
        ("b.li", 5000, 5000, None, None, None)]
    as_admin(conn)                                          # after its last day, the setting again
    conn.execute("update epi_private.reveal_raise set first_day = first_day - 3, last_day = last_day - 3")
    as_unit(conn, "T-A", account="a.zhang")
    assert reveal(conn, scan_ids(conn, "VA1")[0])[1].startswith("今日查看完整个人信息已达上限（每日 5000 条，已用 5001 条）")


RAISE = "select epi.raise_reveal_budget(%s, %s, %s, %s)"


@pytest.mark.parametrize("args, field, message", [
    (("", "8000", "3", "疫情处置"), "account", "请填写要提高额度的账号（OA 登录账号，不含空格）"),
    (("a b", "8000", "3", "疫情处置"), "account", "请填写要提高额度的账号（OA 登录账号，不含空格）"),
    (("a.zhang", "5000", "3", "疫情处置"), "budget", "临时额度应为大于当前每日额度（5000 条）、不超过 1000000 的整数"),
    (("a.zhang", "1000001", "3", "疫情处置"), "budget", "临时额度应为大于当前每日额度（5000 条）、不超过 1000000 的整数"),
    (("a.zhang", "8千", "3", "疫情处置"), "budget", "临时额度应为大于当前每日额度（5000 条）、不超过 1000000 的整数"),
    (("a.zhang", "8000", "0", "疫情处置"), "days", "有效天数应为 1 至 30 之间的整数"),
    (("a.zhang", "8000", "31", "疫情处置"), "days", "有效天数应为 1 至 30 之间的整数"),
    (("a.zhang", "8000", "3", "\u200b\u200b"), "reason", "请填写查看事由（2–200 个字，其中至少 2 个汉字、字母或数字）"),
])
def test_a_raise_is_checked(conn, world, args, field, message):
    as_ops(conn)
    err = attempt(conn, RAISE, args)
    assert (err.sqlstate, err.diag.message_primary, err.diag.column_name) == ("EP400", message, field)


def test_only_ops_raise_budgets_set_limits_and_see_every_accounts_use(conn, world):
    """Only ops are granted the three functions; were a grant added, the function's own guard refuses."""
    calls = {"raise_reveal_budget": (RAISE, ("a.zhang", "8000", "3", "疫情处置"), "只有运维单位可以临时提高查看额度"),
             "set_reveal_limits": ("select epi.set_reveal_limits('9000', '10')", None, "只有运维单位可以设置查看完整个人信息的限额"),
             "reveal_budgets": ("select * from epi.reveal_budgets()", None, "只有运维单位可以查看各账号的查看额度")}
    for become in (lambda: as_unit(conn, "T-A"), lambda: as_auditor(conn)):
        for name, (statement, params, _) in calls.items():
            become()
            err = attempt(conn, statement, params)
            assert (err.sqlstate, err.diag.message_primary) == ("42501", f"permission denied for function {name}")
    as_admin(conn)
    conn.execute("grant execute on function epi.raise_reveal_budget(text, text, text, text), "
                 "epi.set_reveal_limits(text, text), epi.reveal_budgets() to epi_unit")
    as_unit(conn, "T-A")
    for name, (statement, params, message) in calls.items():
        err = attempt(conn, statement, params)
        assert (err.sqlstate, err.diag.message_primary) == ("42501", message), name


def test_ops_change_the_limits_within_bounds_and_each_change_is_audited(conn, world):
    as_ops(conn, account="ops.wang")
    conn.execute("select epi.set_reveal_limits('8000', '3')")
    for daily, rate, field, message in (
            ("4999", "3", "daily_budget", "每日查看额度应为 5000 至 1000000 之间的整数（不少于完整信息导出的上限）"),
            ("", "3", "daily_budget", "每日查看额度应为 5000 至 1000000 之间的整数（不少于完整信息导出的上限）"),
            ("8000", "0", "per_minute", "每分钟查看次数应为 1 至 600 之间的整数"),
            ("8000", "601", "per_minute", "每分钟查看次数应为 1 至 600 之间的整数")):
        err = attempt(conn, "select epi.set_reveal_limits(%s, %s)", (daily, rate))
        assert (err.sqlstate, err.diag.message_primary, err.diag.column_name) == ("EP400", message, field)
    changes = entries(conn, "setting.update")
    assert [(a, d["key"], d["old"], d["new"]) for a, _, d, _ in changes] == [
        ("ops.wang", "reveal_daily_budget", 5000, 8000), ("ops.wang", "reveal_per_minute", 30, 3)]
    as_unit(conn, "T-A", account="a.zhang")                   # the new rate holds at once
    own = scan_ids(conn, "VA1")[0]
    assert [reveal(conn, own)[1] for _ in range(4)][-1].startswith("查看完整个人信息过于频繁：每个账号每分钟最多查看 3 条")
    as_admin(conn)                                            # the constraint is the backstop
    err = attempt(conn, "update epi.setting set value = '4999' where key = 'reveal_daily_budget'")
    assert (err.sqlstate, err.diag.constraint_name) == ("23514", "setting_reveal_limits_valid")


def test_every_web_process_counts_against_the_same_budget(fresh_db):
    """Two sessions (two web processes) reveal for one account: the second sees the first's count."""
    with psycopg.connect(fresh_db) as c:
        build_world(c)
        as_ops(c)
        c.execute("select epi.set_reveal_limits('5000', '2')")
        c.commit()
    messages = []
    for _ in range(3):
        with psycopg.connect(fresh_db) as c:
            as_unit(c, "T-A", account="a.zhang")
            messages.append(reveal(c, scan_ids(c, "VA1")[0])[1])
            c.commit()
    assert messages[:2] == ["", ""] and messages[2].startswith("查看完整个人信息过于频繁：每个账号每分钟最多查看 2 条")
    with psycopg.connect(fresh_db) as c:
        assert [r[0] for r in entries(c, "reveal.refused")] == ["a.zhang"]   # the refusal's entry was committed
