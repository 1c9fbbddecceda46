"""The SMS dispatcher and its gateways: MAS against a local server that checks the MAC, back-off,
permanent errors, the crash rule, two dispatchers at once, one text per unit per day."""
from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
import time

import psycopg
import pytest

from db import database
from jobs import gateways, sms

SECRET = "not-a-real-secret"
MAS_ENV = {"EPI_MAS_URL": "", "EPI_MAS_EC_NAME": "开平市政务服务数据管理局", "EPI_MAS_AP_ID": "kpyq",
           "EPI_MAS_SECRET_KEY": SECRET, "EPI_MAS_SIGN": "SIGN123", "EPI_MAS_ADD_SERIAL": ""}


class MasServer:
    """Speaks the MAS protocol: checks base64, JSON, fields and MAC; answers what it is told."""

    def __init__(self):
        self.answers: list = []      # each: an rspcod string, an int HTTP status, 'hang', or an Event
        self.received: list[dict] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fields = json.loads(base64.b64decode(body).decode("utf-8"))
                mac = hashlib.md5("".join(fields[k] for k in ("ecName", "apId", "secretKey", "mobiles", "content",
                                                              "sign", "addSerial")).encode("utf-8")).hexdigest()
                server.received.append(fields)
                answer = server.answers.pop(0) if server.answers else "success"
                if fields["mac"] != mac:
                    answer = "IllegalMac"
                if answer == "hang":
                    time.sleep(1.5)
                    answer = "success"
                if isinstance(answer, threading.Event):  # hold the answer until the test sets it
                    answer.wait(60)
                    answer = "success"
                if isinstance(answer, int):
                    self.send_response(answer)
                    self.end_headers()
                    return
                reply = json.dumps({"rspcod": answer, "msgGroup": "0001", "success": answer == "success"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms/submit"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def gateway(self, timeout=5.0):
        return gateways.MasGateway(dict(MAS_ENV, EPI_MAS_URL=self.url), timeout=timeout)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mas():
    server = MasServer()
    yield server
    server.close()


@pytest.fixture
def outbox(fresh_db):
    """Two queued texts (units T-A, T-B) in a fresh database; returns the jobs login's URL."""
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values "
                  "('T-A', '测试单位甲', '14400000001'), ('T-B', '测试单位乙', '14400000002')")
        c.execute("insert into epi.sms_outbox (unit_code, phone, day, content) "
                  "select unit_code, head_phone, '2022-03-08', epi.sms_text() from epi.unit")
    return database.jobs_url(database.database_name(fresh_db))


def texts(fresh_db):
    with psycopg.connect(fresh_db) as c:
        return c.execute("select unit_code, status, attempts, response from epi.sms_outbox order by unit_code").fetchall()


def test_mas_payload_and_mac():
    gw = gateways.MasGateway(dict(MAS_ENV, EPI_MAS_URL="https://mas.example.invalid/sms"))
    fields = json.loads(base64.b64decode(gw.payload("14400000001", "你好")).decode("utf-8"))
    expected = hashlib.md5(("开平市政务服务数据管理局" + "kpyq" + SECRET + "14400000001" + "你好" + "SIGN123" + "")
                           .encode("utf-8")).hexdigest()
    assert fields["mac"] == expected and fields["mac"] == fields["mac"].lower()
    assert SECRET not in repr(gw)


def test_mas_success(mas, outbox, fresh_db):
    summary = sms.dispatch(url=outbox, gateway=mas.gateway())
    assert (summary.sent, summary.failed) == (2, 0)
    assert [r[1:3] for r in texts(fresh_db)] == [("sent", 1), ("sent", 1)]
    assert texts(fresh_db)[0][3].startswith("MAS: success")
    assert [f["mobiles"] for f in mas.received] == ["14400000001", "14400000002"]
    assert mas.received[0]["content"] == "你有未接收的“扫码”预警待处理，请到OA系统的疫情防控专区查阅，谢谢！"


@pytest.mark.parametrize("code", [*sorted(gateways.MAS_PERMANENT), "SomethingNew"])
def test_mas_permanent_errors_are_never_retried(mas, outbox, fresh_db, code):
    mas.answers = [code, code]
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=mas.gateway(), sleep=sleeps.append)
    assert (summary.sent, summary.failed) == (0, 2)
    assert sleeps == [] and len(mas.received) == 2
    assert all(r[1] == "failed" and r[2] == 1 and code in r[3] for r in texts(fresh_db))


def test_transient_failures_are_retried_with_backoff_then_succeed(mas, outbox, fresh_db):
    mas.answers = [503, 429, "success", "success"]   # refused before anything was done: retried
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=mas.gateway(), sleep=sleeps.append, rng=lambda: 0.5,
                           base_delay=2.0)
    assert summary.sent == 2
    assert sleeps == [2.0, 4.0]  # exponential: base, 2 × base (jitter factor 1.0 here)
    assert texts(fresh_db)[0][1:3] == ("sent", 3)


def test_retries_are_bounded(mas, outbox, fresh_db):
    mas.answers = [503] * 10
    sleeps = []
    summary = sms.dispatch(url=outbox, gateway=mas.gateway(), sleep=sleeps.append, max_attempts=3, limit=1)
    assert summary.failed == 1 and len(sleeps) == 2
    row = texts(fresh_db)[0]
    assert row[1:3] == ("failed", 3) and "重试 3 次后仍失败" in row[3]


def test_a_read_timeout_is_in_doubt_and_connection_refused_is_transient(mas, outbox, fresh_db):
    mas.answers = ["hang"]
    with pytest.raises(gateways.InDoubt, match=r"请求已发出.*超时"):   # the request had left: it may be sent
        mas.gateway(timeout=0.3).send("14400000001", "x")
    dead = gateways.MasGateway(dict(MAS_ENV, EPI_MAS_URL="http://127.0.0.1:9/none"), timeout=1)
    with pytest.raises(gateways.Transient, match="无法连接"):
        dead.send("14400000001", "x")


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert [sms.backoff(k, 1.0, 60.0, rng=lambda: 0.5) for k in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert sms.backoff(10, 1.0, 60.0, rng=lambda: 0.5) == 60.0
    assert sms.backoff(1, 1.0, 60.0, rng=lambda: 0.0) == 0.5 and sms.backoff(1, 1.0, 60.0, rng=lambda: 0.999) < 1.5


def test_a_crash_between_gateway_and_record_never_sends_twice(mas, outbox, fresh_db):
    """The rule: a text claimed (committed) and never recorded is 'in doubt' after the stale time;
    it is marked failed with a note for a person to check, and never re-sent."""
    with psycopg.connect(outbox, autocommit=True) as c:
        claimed = c.execute(sms.SQL["claim"]).fetchone()  # a dispatcher took T-A …
        assert claimed[1] == "T-A"
    mas.gateway().send(claimed[2], claimed[3])              # … the gateway sent it … and the process died.
    summary = sms.dispatch(url=outbox, gateway=mas.gateway(), stale="0 seconds")
    assert summary.in_doubt == 1 and summary.sent == 1
    assert [f["mobiles"] for f in mas.received] == ["14400000001", "14400000002"]  # T-A once, T-B once
    rows = texts(fresh_db)
    assert rows[0][1] == "failed" and "发送结果未知" in rows[0][3] and rows[1][1] == "sent"
    assert sms.dispatch(url=outbox, gateway=mas.gateway(), stale="0 seconds").sent == 0


def test_a_fresh_claim_is_not_in_doubt_yet(outbox, fresh_db):
    with psycopg.connect(outbox, autocommit=True) as c:
        c.execute(sms.SQL["claim"])
    summary = sms.dispatch(url=outbox, gateway=gateways.LogGateway())  # default stale: 15 minutes
    assert summary.in_doubt == 0 and summary.sent == 1
    assert [r[1] for r in texts(fresh_db)] == ["pending", "sent"]


def test_two_dispatchers_at_once_send_each_text_once(outbox, fresh_db):
    sent: list[str] = []
    lock = threading.Lock()

    class Slow:
        name = "slow"

        def send(self, phone, content):
            time.sleep(0.2)
            with lock:
                sent.append(phone)
            return gateways.Result(True, "ok")

    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) "
                  "select 'T-' || i, '测试单位' || i, '144000000' || lpad(i::text, 2, '0') from generate_series(10, 29) i")
        c.execute("insert into epi.sms_outbox (unit_code, phone, day, content) "
                  "select unit_code, head_phone, '2022-03-08', epi.sms_text() from epi.unit where unit_code like 'T-__'")
    results = []
    threads = [threading.Thread(target=lambda: results.append(sms.dispatch(url=outbox, gateway=Slow())))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 22 and len(set(sent)) == 22
    assert sum(r.sent for r in results) == 22 and all(r.sent > 0 for r in results)


def test_log_gateway_masks_the_phone(caplog, outbox, fresh_db):
    import logging

    with caplog.at_level(logging.INFO, logger="epi.sms"):
        sms.dispatch(url=outbox, gateway=gateways.LogGateway())
    assert "144****0001" in caplog.text and "14400000001" not in caplog.text
    assert [r[1] for r in texts(fresh_db)] == ["sent", "sent"]


def test_http_webhook_gateway(outbox, fresh_db):
    got = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            got.append((self.headers.get("Authorization"),
                        json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(201 if len(got) == 1 else 400)
            self.end_headers()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        gw = gateways.HttpGateway({"EPI_SMS_WEBHOOK_URL": f"http://127.0.0.1:{httpd.server_address[1]}/",
                                   "EPI_SMS_WEBHOOK_TOKEN": "t0ken"})
        summary = sms.dispatch(url=outbox, gateway=gw)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (summary.sent, summary.failed) == (1, 1)
    assert got[0] == ("Bearer t0ken", {"phone": "14400000001", "content": got[0][1]["content"]})


def test_gateway_configuration_errors_are_clear():
    with pytest.raises(RuntimeError, match="EPI_MAS_SECRET_KEY"):
        gateways.from_env({"EPI_SMS_GATEWAY": "mas", "EPI_MAS_URL": "https://x"})
    with pytest.raises(RuntimeError, match="EPI_SMS_GATEWAY 应为 log、mas 或 http（当前为“pigeon”）"):
        gateways.from_env({"EPI_SMS_GATEWAY": "pigeon"})
    assert isinstance(gateways.from_env({}), gateways.LogGateway)


@pytest.fixture
def three_days(fresh_db):
    """Texts of units T-A and T-B queued for three business dates, as three `jobs.run sms --date`
    runs on one real day queue them."""
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into epi.unit (unit_code, unit_name, head_phone) values "
                  "('T-A', '测试单位甲', '14400000001'), ('T-B', '测试单位乙', '14400000002')")
    return database.jobs_url(database.database_name(fresh_db))


def queue(fresh_db, day):
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into epi.sms_outbox (unit_code, phone, day, content) "
                  "select unit_code, head_phone, %s, epi.sms_text() from epi.unit", (day,))


@pytest.mark.parametrize("kind", ["log", "mas"])
def test_three_dates_dispatched_on_one_day_text_each_unit_once(kind, three_days, fresh_db, request):
    """Issue 44, point 6: one text per unit per day of sending; the queue itself keeps a text per
    business date, and the others are recorded 今日已发送，未重发, not sent."""
    mas = request.getfixturevalue("mas") if kind == "mas" else None
    gateway = mas.gateway() if mas else gateways.LogGateway()
    summaries = []
    for day in ("2022-03-08", "2022-03-09", "2022-03-10"):
        queue(fresh_db, day)
        summaries.append(sms.dispatch(url=three_days, gateway=gateway))
    assert [(s.sent, s.skipped) for s in summaries] == [(2, 0), (0, 2), (0, 2)]
    assert "今日已发送未重发 2 条" in summaries[1].describe()
    with psycopg.connect(fresh_db) as c:
        rows = c.execute("select unit_code, day::text, status, response from epi.sms_outbox order by unit_code, day").fetchall()
    assert [(u, d, s) for u, d, s, _ in rows] == [
        ("T-A", "2022-03-08", "sent"), ("T-A", "2022-03-09", "skipped"), ("T-A", "2022-03-10", "skipped"),
        ("T-B", "2022-03-08", "sent"), ("T-B", "2022-03-09", "skipped"), ("T-B", "2022-03-10", "skipped")]
    assert {r[3] for r in rows if r[2] == "skipped"} == {"今日已发送，未重发"}
    if mas:
        assert [f["mobiles"] for f in mas.received] == ["14400000001", "14400000002"]


def test_a_text_in_doubt_today_also_counts_as_sent_today(mas, three_days, fresh_db):
    queue(fresh_db, "2022-03-08")
    mas.answers = ["hang", "hang"]
    assert sms.dispatch(url=three_days, gateway=mas.gateway(timeout=0.3)).in_doubt == 2   # may have arrived
    queue(fresh_db, "2022-03-09")
    summary = sms.dispatch(url=three_days, gateway=mas.gateway())
    assert (summary.sent, summary.skipped) == (0, 2) and len(mas.received) == 2


def test_the_summary_is_printed_once_by_the_caller_not_logged_again(caplog, capsys, outbox, fresh_db):
    """Issue 47, point 9: `invoke demo` printed its SMS result line twice (the runner's line and the
    dispatcher's INFO log of the same summary)."""
    import logging

    from jobs import runner

    with caplog.at_level(logging.INFO, logger="epi.sms"):
        summary = sms.dispatch(url=outbox, gateway=gateways.LogGateway())
        print(runner.describe([{"job": "sms_dispatch", "ok": True, "summary": summary}]))
    line = summary.describe()
    assert capsys.readouterr().out.count(line) == 1 and line not in caplog.text
