"""OA logins' own reads in the server's audit log (issue 25, point 4): on a PostgreSQL that loaded
pgAudit (the PostgreSQL 15 pass of .ci/run: Debian's postgresql-15-pgaudit), `db.grant-oa` turns
read logging on for the login, and each of its reads of oa.scan is a line of the
server's log, without the bound values. The embedded server has no pgAudit: grant-oa says so."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from db import database, upgrade
from tests.conftest import drop_role

PASSWORD = "not-a-real-secret"
FAKE_ID = "440783199001010000"   # fails the national checksum, as every ID number in the tests


def loaded(url) -> bool:
    with psycopg.connect(url) as c:
        return c.execute(database.SQL["pgaudit_loaded"]).fetchone()[0]


def role_settings(url, login) -> dict:
    with psycopg.connect(url) as c:
        rows = c.execute("select unnest(setconfig) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole"
                         " where r.rolname = %s and s.setdatabase = 0", (login,)).fetchall()
    return dict(r[0].split("=", 1) for r in rows)


@pytest.fixture
def granted(cluster_url, seeded_db):
    said = []
    login = f"oa_test_audit_{os.getpid()}"
    upgrade.grant_oa(login, unit="T-A", ops=False, password=PASSWORD, url=seeded_db, echo=said.append)
    yield login, said
    drop_role(cluster_url, login, [database.database_name(seeded_db)])


def test_without_pgaudit_grant_oa_says_reads_are_not_in_the_server_log(seeded_db, granted):
    if loaded(seeded_db):
        pytest.skip("this server loaded pgAudit (the other test covers it)")
    login, said = granted
    assert any("未加载 pgAudit" in line for line in said), said
    assert not any(k.startswith("pgaudit.") for k in role_settings(seeded_db, login))


def server_log(url) -> Path | None:
    with psycopg.connect(url) as c:
        current = c.execute("select pg_current_logfile()").fetchone()[0]
        data = c.execute("show data_directory").fetchone()[0]
    return None if current is None else Path(data) / current


def test_each_read_of_an_oa_login_is_in_the_pgaudit_log_without_its_values(seeded_db, granted):
    if not loaded(seeded_db):
        pytest.skip("pgAudit is not loaded on this server (the PostgreSQL 15 pass of .ci/run has it)")
    login, said = granted
    settings = role_settings(seeded_db, login)
    assert settings["pgaudit.log"] == "read" and settings["pgaudit.log_parameter"] == "off"
    assert settings["pgaudit.log_relation"] == "on"
    assert any("pgAudit 审计日志" in line for line in said), said
    log = server_log(seeded_db)
    if log is None:
        pytest.skip("the server writes no log file (logging_collector off): pgAudit's lines go to its stderr")
    assert log.stat().st_mode & 0o777 == 0o600                 # the audit file is the server's alone
    start = log.stat().st_size
    marker = uuid.uuid4().hex
    url = database.with_params(seeded_db, user=login, password=PASSWORD)
    with psycopg.connect(url, autocommit=True) as c:
        assert c.execute(f"select count(*) /* {marker} masked */ from oa.scan where venue_id = %s",
                         ("VA1",)).fetchone()[0] == 2
        # a read with a bound value (an ID number): logged with the statement, never the value
        c.execute(f"select venue_id /* {marker} bound */ from oa.scan where id_card = %s", (FAKE_ID,)).fetchall()
    with psycopg.connect(seeded_db) as c:                   # let the collector write the lines out
        c.execute("select pg_sleep(0.5)")
    with log.open("rb") as f:
        f.seek(start)
        lines = [line for line in f.read().decode("utf-8", "replace").splitlines() if marker in line]
    audited = [line for line in lines if "AUDIT: SESSION" in line and "READ,SELECT" in line]
    assert any(",VIEW,oa.scan," in line and "masked" in line for line in audited), lines
    assert any(",VIEW,oa.scan," in line and "bound" in line for line in audited), lines
    assert all("<not logged>" in line and FAKE_ID not in line for line in audited), audited
