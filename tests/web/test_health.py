"""Liveness, readiness and job health (issue 26, point 3): /healthz — the process answers; /readyz —
the database answers and its schema is the code's (what a load balancer asks); /healthz/jobs — 503
with Chinese reasons when the last nightly did not end ok within 26 h, a text is in doubt or the
sync is failing (what monitoring asks)."""
from __future__ import annotations

import re

import psycopg

from db.upgrade import head_revision


def test_readyz_says_ready_when_the_schema_is_the_codes(client):
    res = client.get("/readyz")
    body = res.get_json()
    assert res.status_code == 200 and body.pop("revision") == head_revision() and body.pop("status") == "ok"
    # the server that answers: "local" over a socket (the embedded PostgreSQL), host:port over TCP
    # (behind a Patroni cluster, the leader the multi-host string reached)
    assert body == {"server": "local"} or re.fullmatch(r"[0-9a-f.:]+:[0-9]+", body["server"]), body


def test_readyz_refuses_when_the_code_expects_another_schema(app, client):
    app.config["SCHEMA_HEAD"] = "9999"          # a newer release's code before `invoke db.upgrade`
    res = client.get("/readyz")
    assert res.status_code == 503
    assert res.get_json()["error"] == f"数据库结构版本为 {head_revision()}，本程序需要 9999：请先执行 invoke db.upgrade"


def test_job_health_names_each_reason_and_clears_when_they_do(client, seeded_db):
    res = client.get("/healthz/jobs")             # the small world: a nightly that never finished
    assert res.status_code == 503
    assert res.get_json()["reasons"] == ["26 小时内没有成功结束的夜间任务（每日 02:00）"]
    with psycopg.connect(seeded_db) as c:
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok)"
                  " values ('nightly', current_date, now() - interval '27 hours', now() - interval '27 hours', true)")
    assert client.get("/healthz/jobs").status_code == 503          # 27 hours ago is too long ago
    with psycopg.connect(seeded_db) as c:
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok)"
                  " values ('nightly', current_date, now() - interval '1 hour', now() - interval '50 minutes', true)")
    res = client.get("/healthz/jobs")
    assert res.status_code == 200 and res.get_json()["status"] == "ok" and res.get_json()["sms_in_doubt"] == 0
    with psycopg.connect(seeded_db) as c:
        c.execute("update epi.sms_outbox set status = 'failed', attempts = 1, in_doubt = true where unit_code = 'T-A'")
        c.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
        c.execute("insert into epi.job_run (job, as_of, finished_at, ok, error)"
                  " values ('frontdb', current_date, now(), false, '测试：前置库无法连接')")
    res = client.get("/healthz/jobs")
    assert res.status_code == 503
    assert res.get_json()["reasons"] == ["有 1 条短信结果不明，需运维确认", "前置库同步最近一次失败"]
    assert "14400000001" not in res.get_data(as_text=True)        # reasons, never a phone
    assert client.get("/readyz").status_code == 200               # never a reason to take the zone out
