"""Fixtures: a database created once per test session (migrations applied), each test inside a
transaction that is rolled back, and helpers that switch identity inside that transaction the
way the web layer, the jobs and an OA login do.

The admin connection (embedded PostgreSQL, or DATABASE_URL) must be a superuser: the helpers use
SET LOCAL SESSION AUTHORIZATION to become the web login or an OA login. Every query that a test
asserts on runs as one of those runtime roles, never as the superuser (who bypasses RLS).
"""
from __future__ import annotations

import io
import itertools
import os
import uuid

import psycopg
import pytest
from psycopg import sql

from db import database, upgrade

TEST_PREFIX = "epi_test"

# the columns a scan's 被采集人身份证, 被采集人 and 联系电话 are stored as (issue 49, core/crypto.py)
SEALED_COLUMNS = ("personal, key_version, id_card_digest, phone_digest, name_grams, id_card_masked, "
                  "person_name_masked, phone_masked")


def _literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "'{" + ",".join(map(str, value)) + "}'::bigint[]"
    return "'" + str(value).replace("'", "''").replace("%", "%%") + "'"


# epi.find_scans with the arguments web.queries.personal_digests makes
FIND_SCANS = ("epi.find_scans(%(find_id_card)s::bigint[], %(find_phone)s::bigint[], %(find_name)s::bigint[], "
              "%(find_name_old)s::bigint[], %(find_name_chars)s::integer)")


def opened_scans(conn, columns: list[str], *, where: str = "true", order: str = "collected_at, scan_id") -> list[tuple]:
    """Rows of epi.scan (read by ``conn``: the admin, for what is stored) with ``columns``, where
    id_card, person_name and phone are the values decrypted from the stored ciphertext (issue 49)."""
    from core import crypto

    personal = ("id_card", "person_name", "phone")
    shown = [("null" if c in personal else c) for c in columns]
    rows = conn.execute(f"select {', '.join(shown)}, personal, key_version, id_card_digest, phone_digest "
                        f"from epi.scan where {where} order by {order}").fetchall()
    out = []
    for row in rows:
        values = dict(zip(personal, crypto.sealer().open(*row[-4:]), strict=True))
        out.append(tuple(values[c] if c in personal else v for c, v in zip(columns, row[:-4], strict=True)))
    return out


def sealed(id_card: str | None, person_name: str | None, phone: str | None) -> str:
    """SQL literals of SEALED_COLUMNS for one person, sealed as an import seals them (the test
    process's keys: the same the app under test uses), for a test that writes scans directly.
    ``%`` is doubled: the result goes into a query with parameters."""
    from core import crypto

    return ", ".join(_literal(v) for v in crypto.sealer().seal(id_card, person_name, phone))


def workbook_rows(source: str | os.PathLike | bytes) -> list[list]:
    """Every row of every sheet of a workbook: a file, or the bytes of a download."""
    from python_calamine import CalamineWorkbook

    book = (CalamineWorkbook.from_filelike(io.BytesIO(source)) if isinstance(source, bytes)
            else CalamineWorkbook.from_path(str(source)))
    return [list(r) for name in book.sheet_names for r in book.get_sheet_by_name(name).to_python()]


def quiet(*_args, **_kwargs):
    pass


def make_database(cluster_url: str, label: str) -> str:
    name = f"{TEST_PREFIX}_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = database.with_params(cluster_url, dbname=name)
    upgrade.upgrade(url, echo=quiet)
    return url


def drop_database(url: str) -> None:
    name = database.database_name(url)
    with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def drop_role(cluster_url: str, role: str, dbnames: list[str]) -> None:
    for name in dbnames:
        with psycopg.connect(database.with_params(cluster_url, dbname=name), autocommit=True) as c:
            if c.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone():
                c.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
    with psycopg.connect(database.with_params(cluster_url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


@pytest.fixture(scope="session")
def cluster_url() -> str:
    url = database.admin_url()
    database.ensure_database(url)
    with psycopg.connect(url) as c:
        if not c.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]:
            pytest.exit("测试需要以超级用户连接 DATABASE_URL（用于切换为各运行时角色）", returncode=2)
    return url


@pytest.fixture(scope="session")
def db_url(cluster_url):
    """A fresh database for this test session, upgraded to head."""
    url = make_database(cluster_url, "main")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def oa_login_a(cluster_url, db_url):
    """A real OA reader login bound to unit T-A in the test database."""
    login = f"oa_test_a_{os.getpid()}"
    upgrade.grant_oa(login, unit="T-A", ops=False, password="not-a-real-secret", url=db_url, echo=quiet)
    yield login
    drop_role(cluster_url, login, [database.database_name(db_url)])


@pytest.fixture
def conn(db_url):
    """One connection in one transaction, rolled back after the test."""
    with psycopg.connect(db_url) as c:
        try:
            yield c
        finally:
            c.rollback()


def become(c: psycopg.Connection, *, session: str | None = None, role: str | None = None,
           unit: str | None = None, account: str | None = None) -> psycopg.Connection:
    """Switch identity for the rest of the current transaction (SET LOCAL, as the web layer does)."""
    c.execute("set local session authorization default")
    c.execute("set local role none")
    if session:
        c.execute(sql.SQL("set local session authorization {}").format(sql.Identifier(session)))
    if role:
        c.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    c.execute("select set_config('epi.unit', %s, true), set_config('epi.account', %s, true)",
              (unit or "", account or ""))
    return c


def as_ops(c, account="ops.tester"):
    return become(c, session=database.WEB_LOGIN, role=database.OPS_ROLE, account=account)


def as_unit(c, unit, account=None):
    return become(c, session=database.WEB_LOGIN, role=database.UNIT_ROLE, unit=unit,
                  account=account or f"{unit}.tester")


def as_auditor(c, account="audit.tester"):
    """The audit menu's identity: reads the audit log, nothing else."""
    return become(c, session=database.WEB_LOGIN, role=database.AUDITOR_ROLE, account=account)


def as_jobs(c):
    return become(c, role=database.JOBS_LOGIN)


def as_owner(c):
    return become(c, role=database.OWNER)


def as_oa(c, login):
    return become(c, session=login)


def as_nobody(c):
    """The web login before it switched role: owns nothing, inherits nothing."""
    return become(c, session=database.WEB_LOGIN)


def as_admin(c):
    return become(c)


def attempt(c: psycopg.Connection, query, params=None):
    """Run one statement in a savepoint. Returns its rowcount, or the exception it raised."""
    try:
        with c.transaction():
            cur = c.execute(query, params)
            return cur.rowcount
    except psycopg.Error as exc:
        return exc


MONTH = "2022-03"


def build_world(c: psycopg.Connection) -> dict:
    """A small synthetic data set inside the current transaction.

    Units T-A and T-B; venues VA1, VA2 (T-A), VB1 (T-B), VX (no unit); scans for each and for
    V404 (not in the registry); one alert with its 7 days for VA1 and for VB1; one queued text
    per unit; one job run. Names and phone numbers are obviously fake.
    """
    as_ops(c)
    c.execute("select epi.ensure_scan_partitions(array['2022-03-01 00:00+08']::timestamptz[])")
    c.execute("""insert into epi.unit (unit_code, unit_name, head_name, head_phone) values
                 ('T-A', '测试监管单位甲', '测试负责人甲', '14400000001'),
                 ('T-B', '测试监管单位乙', '测试负责人乙', '14400000002')""")
    c.execute("""insert into epi.venue (venue_id, venue_name, category, street, unit_code, flow_min, flow_max) values
                 ('VA1', '测试场所甲一', '商场', '长沙街道', 'T-A', 10, 100),
                 ('VA2', '测试场所甲二', '餐馆', '三埠街道', 'T-A', null, null),
                 ('VB1', '测试场所乙一', '酒店', '月山镇', 'T-B', 5, 50),
                 ('VX',  '测试场所未分配', '超市', '水口镇', null, null, null)""")
    batch = c.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                         values ('测试.xlsx', 'h0', 7, 'ops.tester') returning batch_id""").fetchone()[0]
    c.execute(f"""insert into epi.scan (venue_id, venue_name, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                 select v, v || '名称', {sealed('00000000000000000X', '测试人', '14400009999')}, t::timestamptz, %s,
                        'ops.tester'
                   from (values ('VA1', '2022-03-01 08:00+08'), ('VA1', '2022-03-02 09:00+08'),
                                ('VA2', '2022-03-01 10:00+08'), ('VB1', '2022-03-01 11:00+08'),
                                ('VB1', '2022-03-03 12:00+08'), ('VX', '2022-03-01 13:00+08'),
                                ('V404', '2022-03-04 14:00+08')) s(v, t)""", (batch,))
    c.execute("""insert into epi.import_job (job_id, file_name, imported_by, rows_total)
                 values ('0123456789abcdef', '测试上传.xlsx', 'ops.tester', 7)""")
    c.execute("""update epi.import_job set state = 'done', rows_read = 7, rows_written = 7, batch_id = %s,
                        message = '导入完成：共 7 条', ended_at = now() where job_id = '0123456789abcdef'""", (batch,))
    as_jobs(c)
    alerts = {}
    for venue, reason in (("VA1", "小于阈值"), ("VB1", "大于阈值")):
        alerts[venue] = c.execute(
            """insert into epi.alert (venue_id, venue_name, period_start, period_end, reason, flow_min, flow_max)
               values (%s, %s, '2022-03-01', '2022-03-07', %s, 10, 100) returning alert_id""",
            (venue, venue + "名称", reason)).fetchone()[0]
        c.execute("""insert into epi.alert_day (alert_id, day, n)
                     select %s, d::date, 0 from generate_series('2022-03-01'::date, '2022-03-07', '1 day') d""",
                  (alerts[venue],))
    c.execute("""insert into epi.sms_outbox (unit_code, phone, day, content) values
                 ('T-A', '14400000001', '2022-03-08', '测试'), ('T-B', '14400000002', '2022-03-08', '测试')""")
    c.execute("insert into epi.job_run (job, as_of, ok) values ('nightly', '2022-03-08', true)")
    as_admin(c)
    return {"batch": batch, "alerts": alerts}


@pytest.fixture
def world(conn):
    return build_world(conn)


# --- fresh databases, for code that commits on its own connections (loaders, jobs) --------------

_counter = itertools.count()


@pytest.fixture(scope="session")
def template_url(cluster_url):
    url = make_database(cluster_url, "tpl")
    yield url
    drop_database(url)


@pytest.fixture
def fresh_db(template_url):
    """Admin URL of a fresh, upgraded, empty database."""
    name = f"epi_test_l_{os.getpid()}_{next(_counter)}"
    admin = database.with_params(template_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(name), sql.Identifier(database.database_name(template_url))))
    url = database.with_params(template_url, dbname=name)
    yield url
    drop_database(url)


@pytest.fixture
def web(fresh_db):
    """The web login's URL for the fresh database (what loaders connect with)."""
    return database.web_url(database.database_name(fresh_db))


@pytest.fixture
def admin(fresh_db):
    """A superuser connection to the fresh database, for looking (and for setting switches)."""
    with psycopg.connect(fresh_db, autocommit=True) as c:
        yield c


@pytest.fixture
def seeded_db(fresh_db):
    """A fresh database holding the small synthetic world, committed."""
    with psycopg.connect(fresh_db) as c:
        build_world(c)
        c.commit()
    return fresh_db


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """The process's keys (version 1 here) in a key file of the test's, and the environment pointing
    at it (a rotation adds a version to it: admin.keys.add)."""
    from core import crypto

    path = tmp_path / "personal-data.key"
    crypto.replace_key_file(path, crypto.keyring())
    for name in ("EPI_KEY_SOURCE", "EPI_DATA_KEY", "EPI_DIGEST_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EPI_KEY_FILE", str(path))
    crypto.reset()
    yield path
    crypto.reset()
