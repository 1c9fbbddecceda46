"""Issue 43, point 5: anchored at every seal. The anchorer appends each new head of the chain (seal
number, hash, time) to the database's heads file and its log; `audit.verify --anchor` checks every
head the file records, so what was sealed a minute ago can no longer be rewritten unseen — the
attack of the issue (entries changed and removed after the daily anchor, the chain reset to that
anchor and re-sealed) is caught by the heads file and missed by the daily anchor alone."""
from __future__ import annotations

import json
import logging
import threading

import psycopg
import pytest

from db import database
from jobs import audit, scheduler
from tests.conftest import as_ops, build_world
from tests.jobs.test_audit_chain import sealed, tamper


@pytest.fixture
def jobs_url(fresh_db):
    return database.jobs_url(database.database_name(fresh_db))


def change_venue(url: str, times: int, start: int = 0) -> None:
    with psycopg.connect(url) as c:
        as_ops(c)
        for i in range(start, start + times):
            c.execute("update epi.venue set venue_name = %s where venue_id = 'VA1'", (f"测试场所甲一{i}",))
        c.commit()


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def world_db(fresh_db):
    with psycopg.connect(fresh_db) as c:
        build_world(c)
        c.commit()
    return fresh_db


def test_each_new_head_is_appended_and_logged_an_idle_minute_adds_nothing(world_db, jobs_url, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="epi.audit")
    audit.seal_and_record(jobs_url, tmp_path)
    path = audit.heads_file(database.database_name(world_db), tmp_path)
    first = lines(path)
    assert len(first) == 1 and first[0]["seal_seq"] == sealed(world_db)[-1][1] and len(first[0]["hash"]) == 64
    audit.seal_and_record(jobs_url, tmp_path)          # nothing new sealed: no line
    assert len(lines(path)) == 1
    change_venue(world_db, 2)
    audit.seal_and_record(jobs_url, tmp_path)
    second = lines(path)
    assert len(second) == 2 and second[1]["seal_seq"] == first[0]["seal_seq"] + 2
    logged = [r.getMessage() for r in caplog.records if r.name == "epi.audit"]
    assert logged == [f"audit head {r['database']} seal_seq={r['seal_seq']} hash={r['hash']}" for r in second]


def test_a_rewrite_after_the_daily_anchor_is_caught_by_the_heads_file(world_db, jobs_url, tmp_path):
    """The issue's attack: after audit.seal and audit.anchor, five more entries are sealed (and their
    heads recorded); the owner then changes them, deletes one, resets the chain to the daily anchor's
    head and re-seals. The chain is consistent and matches the daily anchor; the heads file refutes it."""
    daily = audit.anchor(jobs_url, tmp_path)
    anchored = json.loads(daily.read_text(encoding="utf-8"))
    heads = audit.heads_file(database.database_name(world_db), tmp_path)
    for i in range(5):
        change_venue(world_db, 1, start=i)
        audit.seal_and_record(jobs_url, tmp_path)
    assert audit.verify(world_db, heads).ok
    later = [row for row in sealed(world_db) if row[1] > anchored["seal_seq"]]
    assert len(later) == 5
    tamper(world_db, "update epi.audit_log set detail = jsonb_set(detail, '{new,venue_name}', '\"改写\"') "
                     "where seal_seq > %s", (anchored["seal_seq"],))
    tamper(world_db, "delete from epi.audit_log where audit_id = %s", (later[2][0],))
    tamper(world_db, "update epi.audit_log set seal_seq = null, prev_hash = null, hash = null, hash_alg = null, "
                     "sealed_at = null where seal_seq > %s", (anchored["seal_seq"],))
    tamper(world_db, "update epi_private.audit_chain set head_seq = %s, head_hash = %s",
           (anchored["seal_seq"], anchored["hash"]))
    audit.seal(jobs_url)
    assert audit.verify(world_db).ok                       # consistent in itself
    assert audit.verify(world_db, daily).ok                # and with the daily anchor: the gap the issue found
    verdict = audit.verify(world_db, heads)
    first = lines(heads)[0]
    assert not verdict.ok and verdict.message == (
        f"审计日志与锚点文件 {heads.name}（第 1 行，第 {first['seal_seq']} 号，记录于 {first['written_at']}）不符："
        "该条目的哈希已变，整条链被改写过")


def test_a_head_contradicting_the_last_recorded_one_is_named(world_db, jobs_url, tmp_path, caplog):
    heads = audit.heads_file(database.database_name(world_db), tmp_path)
    audit.seal_and_record(jobs_url, tmp_path)
    change_venue(world_db, 1)
    audit.seal_and_record(jobs_url, tmp_path)
    before = lines(heads)
    tamper(world_db, "update epi.audit_log set seal_seq = null, prev_hash = null, hash = null, hash_alg = null, "
                     "sealed_at = null where seal_seq > %s", (before[0]["seal_seq"],))
    tamper(world_db, "update epi.audit_log set account = 'someone.else' where seal_seq is null")
    tamper(world_db, "update epi_private.audit_chain set head_seq = %s, head_hash = %s",
           (before[0]["seal_seq"], before[0]["hash"]))
    caplog.set_level(logging.INFO, logger="epi.audit")
    caplog.clear()
    audit.seal_and_record(jobs_url, tmp_path)             # the same seal number, another hash
    after = lines(heads)
    assert len(after) == 3 and after[2]["seal_seq"] == before[1]["seal_seq"] and after[2]["hash"] != before[1]["hash"]
    assert [r.levelname for r in caplog.records if r.name == "epi.audit"] == ["ERROR"]
    verdict = audit.verify(world_db, heads)
    assert not verdict.ok and verdict.message.startswith(
        f"锚点文件 {heads.name} 中第 {before[1]['seal_seq']} 号有两个不同的哈希（第 2 行与第 3 行")


def test_a_lower_head_than_recorded_is_a_reset_chain(world_db, jobs_url, tmp_path):
    heads = audit.heads_file(database.database_name(world_db), tmp_path)
    audit.seal_and_record(jobs_url, tmp_path)
    change_venue(world_db, 1)
    audit.seal_and_record(jobs_url, tmp_path)
    with open(heads, "a", encoding="utf-8") as f:   # a line the anchorer wrote after a reset to seal 1
        f.write(json.dumps({"seal_seq": 1, "hash": lines(heads)[0]["hash"], "written_at": "x"}) + "\n")
    verdict = audit.verify(world_db, heads)
    assert not verdict.ok and "第 3 行记录的链头第 1 号小于之前记录的" in verdict.message and "链被重置过" in verdict.message


def test_the_scheduler_seals_and_records_each_turn_also_beside_pg_cron(world_db, jobs_url, tmp_path, monkeypatch):
    stop, turns = threading.Event(), []
    real = audit.seal_and_record

    def turn():
        turns.append(real(jobs_url, tmp_path))
        stop.set()
        return turns[-1]

    monkeypatch.setattr(scheduler.audit, "seal_and_record", turn)
    monkeypatch.setattr(scheduler.sms, "dispatch", lambda: type("S", (), {"sent": 0, "failed": 0, "in_doubt": 0})())
    load = scheduler.timetable.load
    monkeypatch.setattr(scheduler.timetable, "load", lambda url=None: load(jobs_url))
    threading.Timer(30, stop.set).start()   # a broken turn must not hang the suite
    scheduler.run_forever(dispatch_only=True, stop=stop, echo=lambda *_: None)
    assert turns and lines(audit.heads_file(database.database_name(world_db), tmp_path))[-1]["seal_seq"] == \
        sealed(world_db)[-1][1]


def test_verify_latest_takes_the_heads_file(world_db, jobs_url, tmp_path):
    audit.anchor(jobs_url, tmp_path)
    audit.seal_and_record(jobs_url, tmp_path)
    assert audit.latest_anchor(tmp_path) == audit.heads_file(database.database_name(world_db), tmp_path)


def test_the_demo_runs_the_sealer_and_the_anchorer(world_db, tmp_path, monkeypatch):
    """`invoke demo` serves with the sealer and the anchorer beside it (its audit page said 0 sealed)."""
    import time

    import tasks
    from jobs import runner

    monkeypatch.setenv("DATABASE_URL", world_db)
    monkeypatch.setenv("EPI_AUDIT_ANCHOR_DIR", str(tmp_path))
    monkeypatch.setenv("EPI_AUDIT_SEAL_SECONDS", "1")
    for name, value in (("EPI_DEV_LOGIN", "1"), ("EPI_COOKIE_SECURE", "0"), ("EPI_OA_JWT_SECRET", "demo-test-secret")):
        monkeypatch.setenv(name, value)   # what the demo sets for itself, undone after this test
    monkeypatch.setattr(tasks, "upgrade", lambda c: None)
    monkeypatch.setattr(runner, "run", lambda *a, **k: [])
    monkeypatch.setattr(runner, "describe", lambda runs: "")
    monkeypatch.setattr(tasks, "demo_links", lambda base: [])
    heads = audit.heads_file(database.database_name(world_db), tmp_path)
    seen = {}

    def serve(c, host, port):   # the web server's place: wait for the anchorer's first line
        deadline = time.monotonic() + 20
        while not heads.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        seen["heads"] = lines(heads) if heads.exists() else []

    monkeypatch.setattr(tasks, "serve", serve)
    from invoke import Context

    tasks.demo(Context(), load=False)
    assert seen["heads"] and seen["heads"][-1]["seal_seq"] == sealed(world_db)[-1][1]
    with psycopg.connect(world_db) as c:
        assert c.execute("select count(*) from epi.audit_log where seal_seq is null").fetchone()[0] == 0
