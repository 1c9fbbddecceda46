"""Personal data 2 of 3, point 1: the audit log is append-only and chained; `audit.verify` finds the
first entry changed, removed or reordered, and an anchor catches a rewritten chain."""
from __future__ import annotations

import itertools
import json

import psycopg
import pytest

from db import database
from jobs import audit
from tests.conftest import as_admin, as_jobs, as_ops, as_owner, as_unit, attempt, build_world


@pytest.fixture
def jobs_url(fresh_db):
    return database.jobs_url(database.database_name(fresh_db))


def write_entries(url: str, n: int = 3) -> None:
    """Audit entries written the way the app writes them (a venue change by ops is audited by its trigger)."""
    with psycopg.connect(url) as c:
        build_world(c)
        as_ops(c)
        for i in range(n):
            c.execute("update epi.venue set venue_name = %s where venue_id = 'VA1'", (f"测试场所甲一{i}",))
        c.commit()


def tamper(url: str, statement: str, params=None) -> None:
    """What a DBA could do with the triggers off (session_replication_role = replica)."""
    with psycopg.connect(url) as c:
        c.execute("set session_replication_role = replica")
        c.execute(statement, params)
        c.commit()


def sealed(url: str) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute("select audit_id, seal_seq, hash_alg from epi.audit_log where seal_seq is not null "
                         "order by seal_seq").fetchall()


def test_an_intact_chain_verifies_and_each_entry_records_its_algorithm(fresh_db, jobs_url):
    write_entries(fresh_db)
    before = audit.verify(fresh_db)
    assert before.ok and before.intact == 0 and before.unsealed > 0 and "尚未封存" in before.message
    n = audit.seal(jobs_url)
    assert n == before.unsealed
    assert audit.seal(jobs_url) == 0  # nothing twice
    verdict = audit.verify(fresh_db)
    assert verdict.ok, verdict.message
    assert verdict.intact == n and verdict.message.startswith(f"审计日志完整：{n} 条")
    with psycopg.connect(fresh_db) as c:
        has_pgcrypto = c.execute("select exists (select from pg_extension where extname = 'pgcrypto')").fetchone()[0]
        rows = c.execute("select seal_seq, prev_hash, hash, hash_alg from epi.audit_log order by seal_seq").fetchall()
    assert {r[3] for r in rows} == {"sm3" if has_pgcrypto else "sha256"}
    assert [r[0] for r in rows] == list(range(1, n + 1))
    assert rows[0][1] == "" and all(b[1] == a[2] for a, b in itertools.pairwise(rows))
    # later entries go on the same chain
    write_entries_more(fresh_db)
    audit.seal(jobs_url)
    assert audit.verify(fresh_db).ok


def write_entries_more(url: str) -> None:
    with psycopg.connect(url) as c:
        as_ops(c)
        c.execute("update epi.venue set venue_name = '测试场所甲一改' where venue_id = 'VA1'")
        c.commit()


def test_a_changed_entry_is_named(fresh_db, jobs_url):
    write_entries(fresh_db)
    audit.seal(jobs_url)
    victim = sealed(fresh_db)[1]
    tamper(fresh_db, "update epi.audit_log set account = 'someone.else' where audit_id = %s", (victim[0],))
    verdict = audit.verify(fresh_db)
    assert not verdict.ok
    assert f"审计编号 {victim[0]}（第 {victim[1]} 号）的内容被修改" in verdict.message
    assert verdict.intact == victim[1] - 1


def test_a_removed_entry_is_named(fresh_db, jobs_url):
    write_entries(fresh_db)
    audit.seal(jobs_url)
    entries = sealed(fresh_db)
    tamper(fresh_db, "delete from epi.audit_log where audit_id = %s", (entries[1][0],))
    verdict = audit.verify(fresh_db)
    assert not verdict.ok and f"第 {entries[1][1]} 至 {entries[1][1]} 号封存的条目已被删除" in verdict.message
    assert f"其后是审计编号 {entries[2][0]}" in verdict.message


def test_removing_the_last_entries_is_found(fresh_db, jobs_url):
    write_entries(fresh_db)
    audit.seal(jobs_url)
    last = sealed(fresh_db)[-1]
    tamper(fresh_db, "delete from epi.audit_log where audit_id = %s", (last[0],))
    verdict = audit.verify(fresh_db)
    assert not verdict.ok and "链尾被删除" in verdict.message and f"第 {last[1]} 号" in verdict.message


def test_reordered_entries_are_named(fresh_db, jobs_url):
    write_entries(fresh_db)
    audit.seal(jobs_url)
    a, b = sealed(fresh_db)[1:3]
    # swap the two entries' places in the chain (their seals stay with them)
    tamper(fresh_db, "update epi.audit_log set seal_seq = -seal_seq where audit_id in (%s, %s)", (a[0], b[0]))
    tamper(fresh_db, "update epi.audit_log set seal_seq = case audit_id when %s then %s else %s end "
                     "where audit_id in (%s, %s)", (a[0], b[1], a[1], a[0], b[0]))
    verdict = audit.verify(fresh_db)
    assert not verdict.ok
    assert f"审计编号 {b[0]}（第 {a[1]} 号）" in verdict.message
    assert "被删除、修改或调换了次序" in verdict.message


def test_a_rewritten_chain_is_caught_by_the_anchor(fresh_db, jobs_url, tmp_path):
    write_entries(fresh_db)
    path = audit.anchor(jobs_url, tmp_path)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["seal_seq"] == sealed(fresh_db)[-1][1] and len(record["hash"]) == 64
    assert audit.latest_anchor(tmp_path) == path
    assert audit.verify(fresh_db, path).ok
    # the owner changes an entry and re-seals everything from there: the chain itself is consistent
    victim = sealed(fresh_db)[0]
    tamper(fresh_db, "update epi.audit_log set account = 'someone.else' where audit_id = %s", (victim[0],))
    tamper(fresh_db, "update epi.audit_log set seal_seq = null, prev_hash = null, hash = null, hash_alg = null, "
                     "sealed_at = null")
    tamper(fresh_db, "update epi_private.audit_chain set head_seq = 0, head_hash = ''")
    audit.seal(jobs_url)
    assert audit.verify(fresh_db).ok  # without the anchor, nothing shows
    verdict = audit.verify(fresh_db, path)
    assert not verdict.ok and "不符" in verdict.message and "整条链被改写过" in verdict.message
    # and one truncated before the anchor's entry
    tamper(fresh_db, "delete from epi.audit_log where seal_seq >= %s", (record["seal_seq"],))
    tamper(fresh_db, "update epi_private.audit_chain set head_seq = %s, head_hash = "
                     "(select hash from epi.audit_log where seal_seq = %s)", (record["seal_seq"] - 1, record["seal_seq"] - 1))
    verdict = audit.verify(fresh_db, path)
    assert not verdict.ok and "之后被截断" in verdict.message


def test_the_log_is_append_only_for_every_role(conn, world):
    as_ops(conn)
    conn.execute("update epi.venue set venue_name = '测试改名' where venue_id = 'VA1'")
    as_admin(conn)
    entry = conn.execute("select max(audit_id) from epi.audit_log").fetchone()[0]
    for become in (as_ops, lambda c: as_unit(c, "T-A"), as_jobs):
        become(conn)
        for statement in ("update epi.audit_log set account = 'x' where audit_id = %s",
                          "delete from epi.audit_log where audit_id = %s"):
            assert "permission denied" in str(attempt(conn, statement, (entry,)))
        assert "permission denied" in str(attempt(conn, "truncate epi.audit_log"))
    # even the owner (a DBA) is refused by the trigger
    as_owner(conn)
    assert "不能修改" in str(attempt(conn, "update epi.audit_log set account = 'x' where audit_id = %s", (entry,)))
    # a delete finds no row it may delete (no delete policy)
    assert attempt(conn, "delete from epi.audit_log where audit_id = %s", (entry,)) == 0
    assert "不能清空" in str(attempt(conn, "truncate epi.audit_log"))
    as_admin(conn)  # a superuser (RLS does not apply) still meets the trigger
    assert "不能删除" in str(attempt(conn, "delete from epi.audit_log where audit_id = %s", (entry,)))
    assert "不能修改" in str(attempt(conn, "update epi.audit_log set action = 'x' where audit_id = %s", (entry,)))
    assert conn.execute("select count(*) from epi.audit_log where audit_id = %s", (entry,)).fetchone()[0] == 1
    # the sealer may fill in a seal but not change the content while at it
    as_jobs(conn)
    assert conn.execute("select epi.audit_seal()").fetchone()[0] >= 1
    as_owner(conn)
    assert "不能修改" in str(attempt(conn, "update epi.audit_log set seal_seq = seal_seq + 1000 where audit_id = %s",
                                     (entry,)))


def test_only_the_jobs_seal_and_read_the_head(conn, world):
    for become in (as_ops, lambda c: as_unit(c, "T-A")):
        become(conn)
        assert "permission denied" in str(attempt(conn, "select epi.audit_seal()"))
        assert "permission denied" in str(attempt(conn, "select * from epi.audit_head()"))
        assert "permission denied" in str(attempt(conn, "select * from epi_private.audit_chain for update"))
    as_jobs(conn)
    assert conn.execute("select head_seq from epi.audit_head()").fetchone() is not None


def test_the_commands_exit_0_when_intact_and_1_naming_the_entry(fresh_db, tmp_path):
    """`invoke audit.seal`, `audit.anchor --dir`, `audit.verify [--anchor]` as a DBA runs them."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPI_") and k != "DATABASE_URL"}
    env |= {"DATABASE_URL": fresh_db, "EPI_AUDIT_ANCHOR_DIR": str(tmp_path)}

    def invoke(*args):
        return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    write_entries(fresh_db)
    sealed_ = invoke("audit.seal")
    assert sealed_.returncode == 0 and "已封存" in sealed_.stdout, sealed_.stderr
    anchored = invoke("audit.anchor")
    assert anchored.returncode == 0 and "审计日志锚点已写入" in anchored.stdout, anchored.stderr
    ok = invoke("audit.verify", "--anchor", "latest")
    assert ok.returncode == 0 and "审计日志完整" in ok.stdout and "与锚点文件" in ok.stdout, ok.stdout + ok.stderr
    victim = sealed(fresh_db)[0]
    tamper(fresh_db, "update epi.audit_log set action = 'x' where audit_id = %s", (victim[0],))
    bad = invoke("audit.verify")
    assert bad.returncode == 1 and f"审计编号 {victim[0]}" in bad.stdout, bad.stdout + bad.stderr
    assert invoke("audit.verify", "--anchor", str(tmp_path / "none.json")).returncode == 2
