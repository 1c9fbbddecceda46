"""The web layer's database access: a pool of web-login (epi_web) connections; each use is one
transaction acting as ops or as the user's unit (SET LOCAL ROLE + transaction-local unit and
account). PostgreSQL decides which rows exist for the user; an empty result is a 404."""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import psycopg
from flask import current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from db import database, queries

SQL = queries.load_dir(Path(__file__).with_name("sql"))   # one file per blueprint, shared.sql for the common ones


def init_app(app) -> None:
    app.teardown_request(end_request)
    url = app.config.get("DATABASE_WEB_URL") or database.web_url()
    app.config["DATABASE_WEB_URL"] = url
    # a flood of requests queues for the pool's connections (at most `timeout` seconds, then 503)
    # instead of opening more; no statement runs longer than the web login's statement_timeout
    # (ALTER ROLE epi_web SET statement_timeout = '30s', db.upgrade: no startup options, which
    # PgBouncer refuses), or than DB_STATEMENT_TIMEOUT when the app's configuration names one
    timeout = app.config.get("DB_STATEMENT_TIMEOUT")
    # a connection is checked as it leaves the pool (one round trip): after a failover the pool's
    # connections to the old leader are dropped there and new ones reach the new leader (the
    # multi-host string's target_session_attrs=read-write, README "High availability"). A failed
    # connection attempt backs off 1, 2 s… and gives up after RECONNECT_SECONDS, so that the next
    # request tries again at once rather than after a backoff grown long during the election.
    app.extensions["epi_pool"] = ConnectionPool(url, min_size=0, max_size=app.config.get("DB_POOL_SIZE", 10),
                                                timeout=app.config.get("DB_POOL_TIMEOUT", 20.0),
                                                kwargs={"row_factory": dict_row},
                                                configure=lambda conn: _configure(conn, timeout), open=False,
                                                check=ConnectionPool.check_connection,
                                                reconnect_timeout=RECONNECT_SECONDS, reconnect_failed=_unreachable)


RECONNECT_SECONDS = 5.0


def _unreachable(pool: ConnectionPool) -> None:
    """No connection could be made for RECONNECT_SECONDS: remembered, so that a request that waited
    in vain is told the database is unreachable (switching), not that the zone is busy."""
    pool.epi_unreachable_at = time.monotonic()


def unreachable_recently(seconds: float = 30.0) -> bool:
    at = getattr(current_app.extensions["epi_pool"], "epi_unreachable_at", None)
    return at is not None and time.monotonic() - at < seconds


def _configure(conn, timeout: str | None = None) -> None:
    # the app runs a fixed set of queries: prepare them on first use and keep one generic plan per
    # connection (planning the statistics query through its views and policies costs ~30 ms; the
    # query itself ~7 ms). Identity is not a plan parameter: RLS plans are kept per role, and the
    # unit is read at execution time.
    conn.prepare_threshold = 0
    conn.execute(SQL["generic_plans"])
    if timeout:
        conn.execute(SQL["statement_timeout"], {"timeout": timeout})
    conn.commit()


def pool() -> ConnectionPool:
    p = current_app.extensions["epi_pool"]
    if p.closed:
        p.open(wait=False)
    return p


@contextlib.contextmanager
def tx(kind: str | None = None, *, account: str | None = None):
    """The request's transaction, acting as ``kind`` ('ops' or 'unit') for the signed-in user.

    ``kind`` defaults to what the route's menu acts as (``@requires`` sets ``g.acts_as``); only a
    page that serves several menus (home) or none (the development sign-in, which passes the
    ``account`` it acts for) names it. A request runs in one transaction: opened on first use,
    committed when the request ends (rolled back when it ended in an error); role, unit and account
    are SET LOCAL, and switched with SET LOCAL again if one page needs both kinds."""
    kind = kind or g.get("acts_as")
    if kind not in ("ops", "unit", "auditor"):
        raise RuntimeError("web.db.tx: the route declares no menu, so it must name ops or unit")
    if "db_stack" not in g:
        stack = contextlib.ExitStack()
        conn = stack.enter_context(pool().connection())
        stack.enter_context(conn.transaction())
        g.db_stack, g.db_conn, g.db_kind = stack, conn, None
    conn = g.db_conn
    if g.db_kind != kind:
        user = g.get("user")
        database.act_as(conn, kind=kind, unit=user.unit if user else None, account=account or user.account)
        g.db_kind = kind
    yield conn


def end_transaction() -> None:
    """Commit the request's transaction now, if one is open, and give its connection back (a
    later tx() opens another)."""
    stack = g.pop("db_stack", None)
    if stack is not None:
        g.pop("db_conn", None)
        g.pop("db_kind", None)
        stack.close()


@contextlib.contextmanager
def committed():
    """A short transaction of its own, acting as the route's menu says, committed when the block
    ends (before anything of it is sent): what the database records in it, such as an access
    entry or the entry of a reveal, stays even if the request fails or the client goes away
    afterwards. The request's transaction so far is committed first, so that a request never
    holds two of the pool's connections (a flood of requests cannot deadlock the pool)."""
    end_transaction()
    user = g.user
    with pool().connection() as conn, conn.transaction():
        database.act_as(conn, kind=g.acts_as, unit=user.unit, account=user.account)
        yield conn


def commit_before_sending(response):
    """After the view, before the answer leaves: the request's transaction is committed here, so that
    a commit the server does not confirm — its connection broke under it, as when the leader's
    server dies (README "High availability") — is answered 503 with Retry-After, saying the outcome
    is unknown, never a 200 for a write that may be lost nor a 500 from the teardown. A streamed
    answer's later reads open a transaction of their own (closed by the teardown)."""
    if "db_stack" not in g or g.get("db_rollback"):
        return response
    try:
        end_transaction()
    except psycopg.Error as exc:
        # the server refused the commit (a deferred rule, a serialization failure): it rolled back,
        # an error like any other; anything else — the connection broke, or a pooler in between
        # answered oddly for the server that died (PgBouncer: "received 2 results from command
        # 'COMMIT'") — leaves the outcome unknown
        state = getattr(exc, "sqlstate", None)
        if state and not state.startswith(("08", "57P")) and state != "25006":
            raise
        from flask import make_response

        from web.errors import COMMIT_IN_DOUBT, error

        body, status = error(503, COMMIT_IN_DOUBT)
        current_app.logger.warning("commit not confirmed: the database connection broke")
        answer = make_response(body, status)
        answer.headers["Retry-After"] = "5"
        return answer
    return response


def end_request(exc=None) -> None:
    """Teardown: commit the request's transaction, or roll it back after an error."""
    stack = g.pop("db_stack", None)
    if stack is None:
        return
    failed = exc is not None or g.get("db_rollback", False)
    if failed:
        stack.__exit__(RuntimeError, RuntimeError("request failed"), None)
    else:
        stack.close()


def one(name: str, *, kind: str | None = None, account: str | None = None, **params):
    """The first row of the named query of web/sql/ (None when there is none)."""
    with tx(kind, account=account) as conn:
        return conn.execute(SQL[name], params).fetchone()


def all_rows(name: str, *, kind: str | None = None, account: str | None = None, **params):
    """Every row of the named query of web/sql/."""
    with tx(kind, account=account) as conn:
        return conn.execute(SQL[name], params).fetchall()


def write_access_entry(action: str, conditions: dict, hashes: list[str], rows: int, *,
                       query: str = "audit_scan_access") -> None:
    """An access entry — a scan query page or export (scan.query, scan.export; ``query``
    audit_scan_access), an auditor's search or export (audit_log_access) — committed before the rows
    are sent; the database masks the conditions and checks the hashes."""
    with committed() as conn:
        conn.execute(SQL[query], {"action": action, "rows": rows, "hashes": hashes,
                                  "conditions": json.dumps(conditions, ensure_ascii=False)})


def record_stats_export(start, end, rows: int) -> None:
    """The audit entry of a statistics export, committed before the file is sent."""
    with committed() as conn:
        conn.execute(SQL["audit_stats_export"], {"from": start, "to": end, "rows": rows})


def rule_limits() -> dict[str, int]:
    """The limits of the database's rules (epi.rule_limits), read by the web login before it acts as
    anyone: constants of the schema, so read once per process."""
    app = current_app._get_current_object()
    if "RULE_LIMITS" not in app.config:
        with pool().connection(timeout=5) as conn:
            app.config["RULE_LIMITS"] = {r["rule"]: r["value"] for r in conn.execute(SQL["rule_limits"])}
    return app.config["RULE_LIMITS"]


def schema_revision() -> dict:
    """The database's schema revision and the server that answers (host, port), read by the web
    login before it acts as anyone."""
    with pool().connection(timeout=5) as conn:
        return conn.execute(SQL["schema_revision"]).fetchone()
