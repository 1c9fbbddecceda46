"""`invoke db.upgrade`: roles, migrations, then the repeatable SQL, in a fixed order.

1. Roles (cluster-wide, created if missing, attributes enforced every time) and the database-level
   grants they need.
2. Alembic migrations (``db/migrations``, whose revisions run the files of ``db/schema``), as the
   owner role, in one transaction with 3.
3. Repeatable SQL, re-applied after every upgrade with ``create or replace`` / ``drop … if
   exists``: ``db/functions`` → ``db/views`` → ``db/security`` (RLS, policies, grants), each
   directory in file-name order.

Everything after step 1 runs in one transaction under an advisory lock, so two upgrades never
interleave and a failed upgrade leaves the database as it was. Running it twice changes nothing.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
from psycopg import sql

from core import config
from db import database

DB_DIR = Path(__file__).resolve().parent
REPEATABLE_DIRS = ("functions", "views", "security")
UPGRADE_LOCK = 0x6B61_6970  # 'kaip'

ROLES = {
    # name: attributes enforced on every upgrade
    # inherit: of the roles granted to it, only pg_read_all_stats and pg_signal_backend (db.upgrade as a
    # superuser), which epi.end_long_oa_transactions uses to end OA logins' long transactions
    database.OWNER: "nologin inherit",
    database.OPS_ROLE: "nologin",
    database.UNIT_ROLE: "nologin",
    database.AUDITOR_ROLE: "nologin",
    database.READER_ROLE: "nologin",
    database.OPS_READER_ROLE: "nologin",
    database.WEB_LOGIN: "login noinherit",
    database.JOBS_LOGIN: "login",
}
SAFE = "nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
ROLE_SETTINGS = (
    (database.WEB_LOGIN, "statement_timeout", "30s"),
    (database.JOBS_LOGIN, "client_connection_check_interval", "2s"),
)


def ensure_roles(conn: psycopg.Connection) -> None:
    """Create the project roles if missing and (re)state their attributes and memberships."""
    for name, attrs in ROLES.items():
        exists = conn.execute(database.SQL["role_exists"], {"name": name}).fetchone()
        if not exists:
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("create role {} " + attrs).format(sql.Identifier(name)))
            except psycopg.errors.DuplicateObject:
                pass  # created meanwhile by an upgrade of another database in this cluster
        conn.execute(sql.SQL("alter role {} " + attrs + " " + SAFE).format(sql.Identifier(name)))
    # per-role settings, not connection options (PgBouncer passes no startup options): a web
    # request's statement never runs longer than 30 s
    for login, setting, value in ROLE_SETTINGS:
        conn.execute(sql.SQL("alter role {} set {} = {}").format(
            sql.Identifier(login), sql.Identifier(setting), sql.Literal(value)))
    cfg = config.current()
    for password, login in ((cfg.web_password, database.WEB_LOGIN), (cfg.jobs_password, database.JOBS_LOGIN)):
        if password:
            conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(login), sql.Literal(password)))
    # the web login switches to ops, unit or auditor per transaction; nothing else is a member of those
    conn.execute(sql.SQL("grant {}, {}, {} to {}").format(
        sql.Identifier(database.OPS_ROLE), sql.Identifier(database.UNIT_ROLE), sql.Identifier(database.AUDITOR_ROLE),
        sql.Identifier(database.WEB_LOGIN)))
    # the admin acts as the owner for migrations and as the jobs role for `invoke jobs.run`
    me = conn.execute(database.SQL["current_user"]).fetchone()[0]
    conn.execute(sql.SQL("grant {}, {} to {}").format(
        sql.Identifier(database.OWNER), sql.Identifier(database.JOBS_LOGIN), sql.Identifier(me)))


# An OA reader login's limits (db.grant-oa): no statement runs longer, no transaction stays idle
# longer (it would hold its locks and snapshot), no more connections at once.
OA_STATEMENT_TIMEOUT = "60s"
OA_IDLE_IN_TRANSACTION_TIMEOUT = "60s"
# issue 44: no transaction longer than epi.rule_limits' oa_transaction_max_seconds (its statements'
# limits restart with each statement: an OA login's transaction held a month's partition for 80 s;
# PostgreSQL 17+ ends it by transaction_timeout, 15 and 16 by epi.end_long_oa_transactions, run every
# minute with the sealer), no temporary files beyond
OA_TEMP_FILE_LIMIT = "100MB"


def limit_oa_login(conn: psycopg.Connection, login: str, superuser: bool, echo=print) -> None:
    """An OA login's limits as role settings (PgBouncer passes no startup options): statements,
    idle transactions, whole transactions where the server has transaction_timeout (17+), and
    temporary files (temp_file_limit is a superuser's setting: without one, a warning)."""
    settings = [("statement_timeout", OA_STATEMENT_TIMEOUT),
                ("idle_in_transaction_session_timeout", OA_IDLE_IN_TRANSACTION_TIMEOUT)]
    if conn.info.server_version >= 170000:
        seconds = conn.execute(database.SQL["oa_transaction_limit"]).fetchone()[0]
        settings.append(("transaction_timeout", f"{seconds}s"))
    if superuser:
        settings.append(("temp_file_limit", OA_TEMP_FILE_LIMIT))
    else:
        echo(f"警告：当前管理账号不是超级用户，无法为 OA 读取账号 {login} 设置 temp_file_limit；请由超级用户执行 invoke db.grant-oa")
    for setting, value in settings:
        conn.execute(sql.SQL("alter role {} set {} = {}").format(
            sql.Identifier(login), sql.Identifier(setting), sql.Literal(value)))
OA_CONNECTION_LIMIT = 5


def grant_database(conn: psycopg.Connection, dbname: str, echo=print) -> None:
    """Database-level rights: connect for the zone's logins; temporary tables only for the roles
    whose work stages rows (an OA login cannot create temporary objects); the advisory lock
    functions only for the zone's roles, so that nobody else can take — and hold — the locks of
    the jobs and of the scan writes (they are functions of this database's catalogue: revoked
    here, they stay available in the cluster's other databases)."""
    db = sql.Identifier(dbname)
    conn.execute(sql.SQL("revoke temporary on database {} from public").format(db))
    conn.execute(sql.SQL("grant connect, temporary on database {} to {}, {}").format(
        db, sql.Identifier(database.WEB_LOGIN), sql.Identifier(database.JOBS_LOGIN)))
    conn.execute(sql.SQL("grant temporary on database {} to {}, {}").format(
        db, sql.Identifier(database.OPS_ROLE), sql.Identifier(database.OWNER)))
    conn.execute(sql.SQL("grant connect, create on database {} to {}").format(db, sql.Identifier(database.OWNER)))
    if conn.execute(database.SQL["is_superuser"]).fetchone()[0]:
        conn.execute(database.SQL["protect_advisory_locks"])
        conn.execute(database.SQL["protect_large_objects"])
        conn.execute(database.SQL["signal_oa_backends"])
    else:
        echo("警告：升级所用的管理账号不是超级用户，无法收回 PUBLIC 对 pg_advisory_lock 等函数的执行权限；"
             "请由超级用户执行一次 invoke db.upgrade，否则任何登录账号都能占用任务锁")


def sql_files() -> list[Path]:
    """The repeatable files in the order they are applied."""
    files: list[Path] = []
    for d in REPEATABLE_DIRS:
        files.extend(sorted((DB_DIR / d).glob("*.sql")))
    return files


def apply_repeatables(conn: psycopg.Connection) -> None:
    conn.execute(database.SQL["function_bodies_unchecked"])
    for path in sql_files():
        try:
            conn.execute(path.read_text(encoding="utf-8"))
        except psycopg.Error as exc:
            raise RuntimeError(f"db/{path.parent.name}/{path.name}: {exc}") from exc
    conn.execute(database.SQL["function_bodies_checked"])


def head_revision() -> str:
    """The revision ``upgrade`` brings a database to (the newest of db/migrations)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(DB_DIR / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def plaintext_waiting(url: str) -> int:
    """Scans stored before encryption whose values wait in epi_private.scan_plaintext (issue 50)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("select count(*) from epi_private.scan_plaintext").fetchone()[0]


def upgrade(url: str | None = None, *, create: bool = True, echo=print, target: str = "head") -> str:
    """Bring the database named by ``url`` (default: the configured one) to the current schema
    (``target``: an earlier revision, for the tests of a migration's data path)."""
    import sqlalchemy
    from alembic import command
    from alembic.config import Config

    url = url or database.admin_url()
    dbname = database.database_name(url)
    if create and database.ensure_database(url):
        echo(f"已创建数据库 {dbname}")
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_roles(conn)
        grant_database(conn, dbname, echo)

    cfg = Config()
    cfg.set_main_option("script_location", str(DB_DIR / "migrations"))
    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url),
                                      poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as sa_conn:  # one transaction: commits at the end, rolls back on error
            conn = sa_conn.connection.driver_connection
            conn.execute(database.SQL["upgrade_lock"], {"lock": UPGRADE_LOCK})
            conn.execute(sql.SQL("create schema if not exists epi_private authorization {}").format(
                sql.Identifier(database.OWNER)))
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(database.OWNER)))
            conn.execute(database.SQL["owner_search_path"])
            cfg.attributes["connection"] = sa_conn
            command.upgrade(cfg, target)
            if target == "head":  # the repeatable SQL is written for the newest schema
                apply_repeatables(conn)
            head = conn.execute(database.SQL["schema_head"]).fetchone()[0]
    finally:
        engine.dispose()
    if target == "head":
        join_reader_groups(url, echo)
    echo(f"数据库 {dbname} 已升级到版本 {head}，视图、函数和权限已重新应用")
    if target == "head" and (waiting := plaintext_waiting(url)):
        echo(f"有 {waiting:,} 条扫码记录是加密之前存入的（个人信息仍为明文，已移入 epi_private.scan_plaintext）："
             "请运行 invoke keys.encrypt-existing（专区可照常运行）")
    return head


def join_reader_group(conn: psycopg.Connection, login: str, ops: bool) -> None:
    """Make an OA login a member of exactly its policy group: epi_ops_reader if bound as ops, else
    epi_reader. The groups hold no privileges (a login that SET ROLE to one can read nothing); the
    row-level-security policies name them, so that a unit-bound login has the unit policy alone
    (one SELECT policy per role: its condition is an index condition, issue 19). The login is
    INHERIT because a policy applies to the members that have its role's privileges (PostgreSQL 15
    has no per-membership INHERIT option)."""
    group = database.OPS_READER_ROLE if ops else database.READER_ROLE
    for role in [r[0] for r in conn.execute(database.SQL["role_memberships"], {"name": login})]:
        if role != group:
            conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(role), sql.Identifier(login)))
    conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(group), sql.Identifier(login)))


def join_reader_groups(url: str, echo=print) -> None:
    """After an upgrade: every bound OA login in its policy group (logins bound by an earlier
    version were members of none, and would now see nothing)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            with conn.transaction():
                conn.execute(sql.SQL("set local role {}").format(sql.Identifier(database.OWNER)))
                bound = conn.execute(database.SQL["bound_oa_logins"]).fetchall()
            superuser = conn.execute(database.SQL["is_superuser"]).fetchone()[0]
            for login, is_ops in bound:
                conn.execute(sql.SQL("alter role {} inherit").format(sql.Identifier(login)))
                join_reader_group(conn, login, is_ops)
                limit_oa_login(conn, login, superuser, echo)   # limits added since it was granted
    except psycopg.errors.InsufficientPrivilege:
        echo("警告：升级所用的管理账号无权调整 OA 读取账号的角色归属；请由超级用户重新执行 invoke db.grant-oa")


# pgAudit session logging of an OA login: every read (SELECT, COPY TO) with each relation it reads —
# so a read of oa.scan is a line of its own — and never the bound parameters (a
# searched ID number); catalog-only statements (a client's \d) are left out.
PGAUDIT_SETTINGS = (("pgaudit.log", "read"), ("pgaudit.log_relation", "on"),
                    ("pgaudit.log_parameter", "off"), ("pgaudit.log_catalog", "off"))


def audit_reads(conn, login: str, superuser: bool, echo) -> None:
    """Turn pgAudit's read logging on for an OA login when the server loaded pgAudit (role level:
    ALTER ROLE … SET, which takes a superuser, as pgAudit's settings do)."""
    if not conn.execute(database.SQL["pgaudit_loaded"]).fetchone()[0]:
        echo("提示：此 PostgreSQL 未加载 pgAudit（shared_preload_libraries），OA 读取账号的读取不会写入服务器审计日志；"
             "见 README“OA 读取账号的审计”")
        return
    if not superuser:
        echo("警告：设置 pgAudit 须由超级用户执行；OA 读取账号的读取尚未写入审计日志，请由超级用户重新执行 invoke db.grant-oa")
        return
    conn.execute("create extension if not exists pgaudit")
    for setting, value in PGAUDIT_SETTINGS:
        conn.execute(sql.SQL("alter role {} set {} = {}").format(
            sql.Identifier(login), sql.Identifier(*setting.split(".")), sql.Literal(value)))
    echo(f"OA 读取账号 {login} 的每次读取将写入 pgAudit 审计日志（不记录参数值）")


# issue 42, point 5: what an OA system that asks for full values is told
REVEAL_RETIRED = ("--reveal 与 oa.scan_full 已停用：OA 读取账号只读取遮蔽后的个人信息。需要完整信息时，请由 OA 以用户的票据"
                  "调用查看接口（POST /api/scans/<扫码记录编号>/reveal，Bearer 票据，逐条、需填写事由并记入审计日志）")


def grant_oa(login: str, *, unit: str | None, ops: bool, password: str | None, reveal: bool = False,
             url: str | None = None, echo=print) -> None:
    """Create or rebind a database login for an OA system that reads oa.* as one unit (or as ops).

    The login receives its read grants directly; what it sees is decided by its binding in
    epi_private.oa_login. It is a member of exactly one role, a policy group without privileges
    (``join_reader_group``), never of a project role it could SET ROLE to.
    """
    if bool(unit) == bool(ops):
        raise ValueError("请指定 --unit 机构编码 或 --ops 二者之一")
    if reveal:
        raise ValueError(REVEAL_RETIRED)
    if login in ROLES or login.startswith("pg_"):
        raise ValueError(f"{login} 是系统或项目角色，不能用作 OA 读取账号")
    url = url or database.admin_url()
    dbname = database.database_name(url)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(database.SQL["role_flags"], {"name": login}).fetchone()
        if row and (row[0] or row[1]):
            raise ValueError(f"{login} 是超级用户或可绕过行级安全的角色，不能用作 OA 读取账号")
        if not row:
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                conn.execute(sql.SQL("create role {} login").format(sql.Identifier(login)))
        conn.execute(sql.SQL("alter role {} login inherit " + SAFE + " connection limit {}").format(
            sql.Identifier(login), sql.Literal(OA_CONNECTION_LIMIT)))
        limit_oa_login(conn, login, conn.execute(database.SQL["is_superuser"]).fetchone()[0], echo)
        if password:
            conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(login), sql.Literal(password)))
        join_reader_group(conn, login, ops)
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), sql.Identifier(login)))
        superuser = conn.execute(database.SQL["is_superuser"]).fetchone()[0]
        audit_reads(conn, login, superuser, echo)
        if unit and superuser and not conn.execute(database.SQL["unit_exists"], {"unit": unit}).fetchone():
            echo(f"提示：机构编码 {unit} 尚不在监管单位表中；导入该单位后此账号才能看到数据")
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(database.OWNER)))
        conn.execute(database.SQL["bind_oa_login"], {"login": login, "unit": unit, "ops": ops, "reveal": False})
        conn.execute(database.SQL["grant_reader"], {"login": login, "ops": ops})
    echo(f"OA 读取账号 {login} 已绑定到 " + ("运维单位权限" if ops else f"监管单位 {unit}") + f"（数据库 {dbname}）"
         + "；个人信息只读取遮蔽值（oa.scan）")
