"""Command line of the supervision zone (invoke). `invoke --list` shows every command.

DATABASE_URL selects the database (an admin connection); without it an embedded PostgreSQL 18
is started under var/pgdata on first use and reused by later commands.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

from invoke import Collection, Exit, task

warnings.filterwarnings("ignore", module="platformdirs")


def _setup() -> None:
    """Every command starts from the configuration read and checked once (core.config: a wrong
    variable stops it here, named, before anything runs) and logs the same way (ops.logs:
    EPI_LOG_FORMAT, EPI_LOG_LEVEL, stderr)."""
    from core import config
    from ops import logs

    try:
        config.current()
        logs.setup()
    except config.ConfigError as exc:
        sys.exit(f"{exc}")


_setup()


@task
def upgrade(c):
    """Create the roles, apply the migrations, re-apply functions, views and policies."""
    from db import upgrade as up

    up.upgrade()


@task(name="grant-oa", help={
    "login": "database login of the OA system",
    "unit": "机构编码 of the unit the login reads as",
    "ops": "read with the ops unit's rights instead of one unit's",
    "password": "set or change the login's password",
    "reveal": "retired: refused with what to use instead (the reveal API with a bearer ticket)",
})
def grant_oa(c, login, unit=None, ops=False, password=None, reveal=False):
    """Create or rebind a database login for an OA system that reads oa.* as one unit (or as ops)."""
    from db import upgrade as up

    try:
        up.grant_oa(login, unit=unit, ops=ops, password=password, reveal=reveal)
    except ValueError as exc:
        raise Exit(str(exc), code=2) from None


@task(help={"out": "directory for the backup file (default var/backups; keep copies on another machine)",
            "verify": "instead of backing up: restore FILE into a throwaway database and compare each table's rows"})
def backup(c, out=None, verify=None):
    """Back up the zone's database (pg_dump custom format, roles and OA logins, checksum; 0600;
    age-encrypted with EPI_BACKUP_KEY), or check a backup with --verify FILE."""
    from db import database
    from ops import backup as bk

    try:
        if verify:
            bk.verify(verify)
            return
        bk.backup(Path(out) if out else database.VAR / "backups")
    except bk.BackupError as exc:
        raise _fail(exc) from None


@task(help={"file": "the backup file (kaiping-….tar)", "yes": "do not ask for confirmation",
            "database": "restore into this database of the server (default: the configured one)"})
def restore(c, file, yes=False, database=None):
    """Restore a backup into an empty database: roles recreated (passwords from the environment),
    OA logins rebound, each table's rows compared, the schema upgraded to this code's."""
    from db import database as dbm
    from ops import backup as bk

    url = dbm.admin_url(database) if database else dbm.admin_url()
    try:
        manifest = bk.read_manifest(file)
        if not yes:
            answer = input(f"将把备份（数据库 {manifest['database']}，{manifest['created_at']}，"
                           f"{sum(manifest['tables'].values()):,} 行）恢复到数据库 {dbm.database_name(url)}，确认请输入 yes：")
            if answer.strip().lower() != "yes":
                raise Exit("已取消", code=1)
        bk.restore(file, url=url)
    except bk.BackupError as exc:
        raise _fail(exc) from None


@task(name="backup-key")
def backup_key(c):
    """Make a new age key for EPI_BACKUP_KEY (print it once; keep it apart from the backups)."""
    from ops import backup as bk

    identity, recipient = bk.new_key()
    print(f"EPI_BACKUP_KEY={identity}")
    print(f"# 公钥（只备份、不恢复的主机可只设置它）：{recipient}", file=sys.stderr)
    print("# 请把私钥保存在备份之外的地方（如密码保管库）：丢失后备份无法恢复", file=sys.stderr)


@task
def url(c):
    """Print the admin connection string of the configured database (starts the embedded server)."""
    from db import database

    print(database.admin_url())


@task
def stop(c):
    """Stop the embedded PostgreSQL (no effect with DATABASE_URL)."""
    from db import database

    print("已停止内置数据库" if database.stop_embedded() else "内置数据库未在运行")


@task(help={"yes": "do not ask for confirmation"})
def reset(c, yes=False):
    """Stop the embedded PostgreSQL and delete var/pgdata (all local data is lost)."""
    from db import database

    if not yes:
        answer = input(f"将删除内置数据库目录 {database.PGDATA} 中的全部数据，确认请输入 yes：")
        if answer.strip().lower() != "yes":
            raise Exit("已取消", code=1)
    database.reset_embedded()
    print("已删除内置数据库数据目录")


@task(help={"host": "address to listen on", "port": "port to listen on"})
def serve(c, host="127.0.0.1", port=8000):
    """Run the web app with a production WSGI server (waitress). Needs EPI_OA_JWT_SECRET unless
    EPI_DEV_LOGIN=1."""
    from web import ConfigError, create_app, server

    try:
        app = create_app()
    except ConfigError as exc:
        raise _fail(exc) from None
    if app.config["DEV_LOGIN"]:   # the zone's own address answers 请从 OA 系统进入: the demo users first
        print(f"疫情防控监管专区（演示）：选择演示用户登录 http://{host}:{port}/dev-login", flush=True)
    else:
        print(f"疫情防控监管专区: http://{host}:{port}/", flush=True)
    server.serve(app, host, port)


def demo_links(base: str) -> list[tuple[str, str]]:
    """Sign-in links for one ops user and up to two unit users: each click of one mints a fresh OA
    ticket (/dev-login/enter), since a ticket signs on once and lives 10 minutes."""
    import psycopg

    from db import database
    from demo.load import SQL

    users = [("运维用户（市政数局）", "ops.demo")]
    with psycopg.connect(database.web_url()) as conn, database.acting_as(conn, kind="ops", account="demo"):
        units = conn.execute(SQL["busiest_units"]).fetchall()
    users += [(name, f"{code.lower()}.demo") for code, name in units]
    return [(label, f"{base}/dev-login/enter?account={account}") for label, account in users]


@task(default=True, help={"host": "address to listen on", "port": "port to listen on",
                          "load": "load the demo data set (default); --no-load serves what the database holds"})
def demo(c, host="127.0.0.1", port=8000, load=True):
    """Create or upgrade the database, load the demo data unless already loaded, run the nightly
    jobs, and serve the web app with sign-in links for one ops user and two unit users; the audit
    log's sealer and anchorer run beside it every minute."""
    import os
    import secrets

    from jobs import runner
    from loaders.errors import LoadError
    from loaders.progress import ProgressBar

    upgrade(c)
    if load:
        from demo.load import load_demo

        try:
            outcome = load_demo(progress_for=lambda name: ProgressBar(f"导入 {name}"))
        except LoadError as exc:
            raise _fail(exc) from None
        print(outcome.message, flush=True)
    print(runner.describe(runner.run("nightly")), flush=True)
    os.environ.setdefault("EPI_DEV_LOGIN", "1")
    os.environ.setdefault("EPI_COOKIE_SECURE", "0")
    os.environ.setdefault("EPI_OA_JWT_SECRET", secrets.token_urlsafe(32))
    base = f"http://{host}:{port}"
    print("演示登录链接（每次点击生成新的一次性登录凭据）：")
    for label, link in demo_links(base):
        print(f"  {label}: {link}")
    print(f"  或选择演示用户：{base}/dev-login")
    # the sealer and the anchorer, as the scheduler runs them: every minute the audit log's new
    # entries are sealed and the chain's head appended to the heads file (jobs/audit.py)
    import threading

    from jobs import audit

    stop = threading.Event()
    threading.Thread(target=audit.run_anchorer, args=(stop,), name="audit-anchorer", daemon=True).start()
    print(f"审计日志每分钟封存一次，链头记入 {audit.anchor_dir()}", flush=True)
    try:
        serve(c, host=host, port=port)
    finally:
        stop.set()


@task(name="data", help={"out": "directory to write the files into", "end": "last day with scans (default: yesterday)",
                         "days": "days of scans", "venues": "venues in the template",
                         "per_day": "scans per day in the whole city", "seed": "random seed"})
def demo_data(c, out="demo-data", end=None, days=45, venues=600, per_day=3000, seed=20220301):
    """Write the demo files only (OA units, venue template, one scan export per day)."""
    import datetime as dt

    from demo.generate import generate

    result = generate(Path(out), end=dt.date.fromisoformat(end) if end else None, days=int(days),
                      venues=int(venues), scans_per_day=int(per_day), seed=int(seed))
    print(f"已写入 {result.directory}：{len(result.scans)} 个扫码文件，{result.rows:,} 条记录")


def _command(name: str) -> None:
    """Audit entries written by this command name it (with the OS user and the database login)."""
    from db import database

    database.claim(menu=f"invoke {name}")


def _fail(exc) -> Exit:
    return Exit(str(exc), code=2)


LOST = {"job": "与数据库的连接中断（数据库重启或网络故障），任务没有完成：正在进行的步骤已回滚，"
               "下次运行时本次运行记录为中断。请在数据库恢复后重新运行"}


def _lost(what: str) -> Exit:
    from loaders.errors import IMPORT_CONNECTION_LOST

    return Exit(IMPORT_CONNECTION_LOST if what == "import" else LOST[what], code=3)


@task(name="units", help={"file": "OA export (.xlsx/.xls/.csv) with 机构编码, 监管单位, 监管单位负责人, 监管单位负责人手机号",
                          "by": "login account recorded in the audit log"})
def load_units(c, file, by="dba"):
    """Upsert supervising units from an OA export (units missing from it are marked inactive)."""
    from loaders import registry

    _load("load.units", registry.load_units, file, by, "监管单位导入完成")


def _load(command: str, load, file: str, by: str, done: str) -> None:
    """A registry load from the command line: its summary, or the file's problems (exit 2)."""
    _command(command)
    from loaders.errors import LoadError

    try:
        print(load(file, account=by).describe(done))
    except LoadError as exc:
        raise _fail(exc) from None


@task(name="menu-grants", help={"file": "OA's role export (.xlsx/.xls/.csv) with 授权对象类型 (账号/角色), 授权对象, 菜单",
                                "by": "login account recorded in the audit log"})
def load_menu_grants(c, file, by="dba"):
    """Make OA's menu grants those of its role export (grantees no longer in it lose their menus)."""
    from loaders import registry

    _load("load.menu-grants", registry.load_menu_grants, file, by, "菜单授权导入完成")


@task(name="venues", help={"file": "the venue template (.xlsx/.xls/.csv)",
                           "by": "login account recorded in the audit log"})
def load_venues(c, file, by="dba"):
    """Bulk-load venues from the venue template (upsert by 公共场所ID)."""
    from loaders import registry

    _load("load.venues", registry.load_venues, file, by, "场所信息导入完成")


@task(name="scans", help={"file": "scan export (.xlsx/.xls/.csv)", "by": "数据导入人: the importer's login account",
                          "force": "import even if the same file, or some of its records (same 公共场所ID, "
                                   "被采集人身份证 and 采集时间), were imported before"})
def load_scans(c, file, by, force=False):
    """Import scan records: all rows or none."""
    _command("load.scans")
    import psycopg

    from loaders import scans
    from loaders.errors import LoadError
    from loaders.progress import ProgressBar

    try:
        latest = scans.latest_collected(account=by)
        if latest:
            print(f"系统中已有数据的最新采集时间：{latest.astimezone(scans.SHANGHAI):%Y-%m-%d %H:%M:%S}")
        result = scans.import_scans(file, by=by, force=force, progress=ProgressBar("导入"))
    except scans.NeedsConfirmation as exc:   # the same file, or records of it, imported before
        raise Exit(f"{exc}\n强制导入：在本命令后加 --force", code=2) from None
    except LoadError as exc:
        raise _fail(exc) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise _fail(exc.diag.message_primary) from None
    except psycopg.OperationalError:
        raise _lost("import") from None
    span = ""
    if result.collected_min:
        span = (f"，采集时间 {result.collected_min.astimezone(scans.SHANGHAI):%Y-%m-%d %H:%M:%S} 至 "
                f"{result.collected_max.astimezone(scans.SHANGHAI):%Y-%m-%d %H:%M:%S}")
    print(f"导入完成：批次 {result.batch_id}，共 {result.rows} 条{span}，用时 {result.seconds:.1f} 秒")
    for sheet, n in result.sheets:
        print(f"  工作表“{sheet or 'CSV'}”：{n} 条")
    if result.skipped_sheets:
        print("  没有扫码表头、已跳过的工作表：" + "、".join(result.skipped_sheets))
    if result.ignored_columns:
        print("  已忽略的列：" + "、".join(result.ignored_columns))


@task(name="delete", help={"collected": "采集时间 range FROM..TO (dates include the whole TO day; times the minute "
                                        "or second)",
                           "imported": "数据导入时间 range FROM..TO", "batch": "one import's batch number (its rows still stored)",
                           "by": "the deleting person's login account", "yes": "do not ask for confirmation (scripts)"})
def scans_delete(c, by, collected=None, imported=None, batch=None, yes=False):
    """Batch delete scan records by 采集时间 or 数据导入时间 range, or one import: shows the count, asks, deletes."""
    _command("scans.delete")
    import psycopg

    from admin import scans

    if sum(bool(x) for x in (collected, imported, batch)) != 1:
        raise Exit("请指定 --collected 起..止、--imported 起..止 或 --batch 批次号 三者之一", code=2)
    field = "collected" if collected else "imported" if imported else "batch"
    if batch is not None and not str(batch).isdigit():
        raise Exit(f"批次号“{str(batch)[:20]}”应为整数", code=2)
    try:
        if field == "batch":
            lo = hi = None
            plan = scans.plan_delete_batch(batch=int(batch), account=by)
        else:
            lo, hi = scans.parse_range(collected or imported)
            plan = scans.plan_delete(field=field, lo=lo, hi=hi, account=by)
        print(plan.describe())
        if plan.total == 0:
            print("没有需要删除的记录。")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise Exit("需要确认：请在终端中运行并输入 yes，或加 --yes", code=2)
            if input(f"确认删除以上 {plan.total} 条记录？此操作不可恢复。输入 yes 确认：").strip().lower() != "yes":
                raise Exit("已取消，未删除任何数据", code=1)
        if field == "batch":
            result = scans.delete_batch(batch=int(batch), account=by, expected=None if yes else plan.total)
        else:
            result = scans.delete_scans(field=field, lo=lo, hi=hi, account=by, expected=None if yes else plan.total)
    except (ValueError, scans.ChangedSincePreview) as exc:
        raise _fail(exc) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise _fail(exc.diag.message_primary) from None
    months = f"（整月删除：{'、'.join(result.months_dropped)}）" if result.months_dropped else ""
    print(f"已删除 {result.rows} 条记录{months}")


@task(name="frontdb", help={"dsn": "connection string of the front database (default: EPI_FRONTDB_DSN)",
                            "config": "JSON file naming the front tables and columns (default: EPI_FRONTDB_CONFIG)"})
def sync_frontdb(c, dsn=None, config=None):
    """Pull new venues and scans from the provincial front database (only while the sync is enabled)."""
    _command("sync.frontdb")
    from jobs import frontdb

    try:
        result = frontdb.sync(dsn, config=frontdb.load_config(config), echo=lambda m: print(m, flush=True))
    except frontdb.SyncError as exc:
        raise _fail(exc) from None
    print(result.describe())


def _switch_sync(on: bool, by: str, yes: bool) -> None:
    _command("sync.enable" if on else "sync.disable")
    from jobs import frontdb

    what = "启用" if on else "停用"
    if on:
        print("启用前置库同步后，扫码进场信息只由同步任务写入：文件导入和批量删除（页面、命令和数据库直接操作）都将被拒绝。")
    else:
        print("停用前置库同步后，同步任务不再写入，文件导入和批量删除恢复可用。")
    if not yes:
        if not sys.stdin.isatty():
            raise Exit("需要确认：请在终端中运行并输入 yes，或加 --yes", code=2)
        if input(f"确认{what}前置库同步？输入 yes 确认：").strip().lower() != "yes":
            raise Exit("已取消，未作更改", code=1)
    try:
        changed = frontdb.switch(on, by=by, echo=lambda m: print(m, flush=True))
    except frontdb.SyncError as exc:
        raise _fail(exc) from None
    print(f"前置库同步已{what}" if changed else f"前置库同步原本就已{what}，未作更改")


@task(name="enable", help={"by": "login account recorded in the audit log", "yes": "do not ask for confirmation"})
def sync_enable(c, by="dba", yes=False):
    """Enable the front-database sync: file import and batch delete are refused from then on
    (waits for an import or delete in progress to finish)."""
    _switch_sync(True, by, yes)


@task(name="disable", help={"by": "login account recorded in the audit log", "yes": "do not ask for confirmation"})
def sync_disable(c, by="dba", yes=False):
    """Disable the front-database sync: file import and batch delete work again."""
    _switch_sync(False, by, yes)


@task(name="status")
def sync_status(c):
    """Whether the sync is enabled, how far each front table was taken, and the latest runs."""
    from jobs import frontdb

    print(frontdb.status())


@task(help={"out": "directory to write the templates into"})
def templates(c, out="templates"):
    """Write the blank xlsx templates (scan import, venues, units)."""
    from loaders.templates import write_templates

    for path in write_templates(out):
        print(path)


@task(name="run", help={"name": "the job (`invoke jobs.list` shows them: epi.job_list())",
                        "date": "run as if it were the early morning of this day (YYYY-MM-DD): days up to the day "
                                "before are evaluated, the SMS day is this day"})
def jobs_run(c, name, date=None):
    """Run one job now (recorded in epi.job_run; never twice at once)."""
    import datetime as dt

    import psycopg

    from jobs import runner

    try:
        as_of = dt.date.fromisoformat(date) if date else None
        runs = runner.run(name, as_of)
    except ValueError as exc:
        raise _fail(exc) from None
    except psycopg.OperationalError:
        raise _lost("job") from None
    print(runner.describe(runs))
    if not all(r["ok"] for r in runs):
        raise Exit("有任务失败，详见上方记录", code=1)


@task(name="list")
def jobs_list(c):
    """The jobs (epi.job_list()) and their steps."""
    from db import database
    from jobs import runner

    with database.connect_jobs() as conn:
        for name, job in runner.job_list(conn).items():
            steps = "、".join(job["steps"]) if job["steps"] != [name] else ""
            print(f"{name:12} {job['label']}" + (f"（{steps}）" if steps else ""))


@task(name="schedule", help={"nightly_at": "move the nightly to HH:MM (Asia/Shanghai); the units refresh moves with it",
                             "counts_full_at": "move the Sunday full count check to HH:MM",
                             "units_at": "move the units refresh (OA's export) to HH:MM",
                             "by": "login account recorded in the audit log",
                             "remove": "remove this database's pg_cron jobs instead"})
def jobs_schedule(c, nightly_at=None, counts_full_at=None, units_at=None, by="dba", remove=False):
    """The schedule (epi.job_schedule): change it (audited), then register the jobs with pg_cron
    at its times (UTC lines) where pg_cron is loaded; without pg_cron `invoke scheduler` reads it."""
    from jobs import cron
    from jobs import schedule as timetable

    _command("jobs.schedule")
    try:
        if remove:
            print(f"已移除 {cron.unschedule()} 个 pg_cron 任务")
            return
        changes = {}
        for job, text, option, weekday in (("nightly", nightly_at, "--nightly-at", None),
                                           ("counts_full", counts_full_at, "--counts-full-at", 0),
                                           ("units", units_at, "--units-at", None)):
            if text:
                changes[job] = (timetable.parse_at(text, option), weekday)
        slots = timetable.change(changes, by=by) if changes else None
    except ValueError as exc:
        raise _fail(exc) from None
    if slots:
        print("任务时间（北京时间）：" + "；".join(f"{job} {slot.describe()}" for job, slot in slots.items()))
    try:
        for job_id, name, when in cron.schedule():
            print(f"pg_cron 任务 {name}（编号 {job_id}）：{when}（UTC）")
    except cron.NoCron as exc:
        if not slots:
            raise _fail(exc) from None
        print("此数据库未加载 pg_cron：`invoke scheduler` 在下一轮（1 分钟内）按新时间运行")
        return
    print("短信由 Python 发送：请同时运行 `invoke scheduler --dispatch-only`")


@task(name="rules", help={"out": "where to write the rules (default: print them)"})
def ops_rules(c, out=None):
    """The Prometheus alert rules with the schedule's times (deploy/prometheus/epi-alerts.yml is the default's)."""
    from pathlib import Path

    from jobs import schedule as timetable
    from ops import prometheus

    text = prometheus.render(timetable.load())
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"已写入 {out}")
    else:
        print(text, end="")


@task(help={"dispatch_only": "only send queued texts (when pg_cron runs the jobs)"})
def scheduler(c, dispatch_only=False):
    """Run the jobs at the schedule's times without pg_cron (epi.job_schedule; `invoke jobs.schedule`), and send texts."""
    from core.config import ConfigError
    from jobs.scheduler import run_forever

    try:
        run_forever(dispatch_only=dispatch_only)
    except ConfigError as exc:   # what the jobs need is wanting: said at start, not at 02:00
        raise _fail(exc) from None


@task(name="dispatch")
def sms_dispatch(c):
    """Send the queued texts now."""
    from jobs import sms

    print(sms.dispatch().describe())


@task(help={"scale": "city (10M scans, 5,000 venues, 200k-row file), small (done in under 2 minutes), peak "
                     "(50M scans, 45 days at 1.1M; built once, then reused; measured against the kept city database) "
                     "or import (the import ÷ the same-work peer and the plain load, 3 runs each, into an empty "
                     "database and the kept city database; --city-scale small for a smoke run)",
            "keep": "keep the benchmark database epi_bench afterwards (for profiling, and for --scale peak)",
            "days": "peak only: days of scans (default 45)", "per_day": "peak only: scans a day (default 1,100,000)",
            "city_scale": "peak only: the scale it is compared with (default city; small for a smoke run)"})
def bench(c, scale="city", keep=False, days=45, per_day=1_100_000, city_scale="city"):
    """The benchmark suite: import, COPY and read rates, daily counts, nightly jobs, month delete,
    web latency, RLS overhead, tracing, exports; one table, saved under bench/results/. Keep the
    databases outside the work tree with EPI_VAR_DIR."""
    if scale == "peak":
        from bench.peak import run as peak

        peak(days=int(days), per_day=int(per_day), city_scale=city_scale)
        return
    if scale == "import":
        from bench.importspeed import run as imports

        imports(scale=city_scale)
        return
    from bench.run import run

    run(scale=scale, keep=keep)


@task(help={"seconds": "how long each level runs (default 180)", "clients": "levels, comma-separated (default 8,32,64)",
            "scans": "scans in the bench database (default 10,000,000; a kept epi_bench with as many is reused)"})
def soak(c, seconds=180, clients="8,32,64", scans=10_000_000):
    """Load test on loopback: Locust unit staff on the pages and API at each level, an import
    running meanwhile, over the 10M-scan bench database; results under bench/results/."""
    from bench.soak import run

    run(seconds=int(seconds), levels=tuple(int(x) for x in str(clients).split(",")), scans=int(scans))


@task(help={"args": "extra arguments for pytest, e.g. \"-k matrix -x\""})
def test(c, args=""):
    """Run the test suite against a real PostgreSQL (embedded, or DATABASE_URL)."""
    c.run(f"{sys.executable} -m pytest {args}", pty=False)


@task(name="seal")
def audit_seal(c):
    """Chain the committed audit entries not yet sealed (the scheduler does it every minute)."""
    import psycopg

    from jobs import audit

    try:
        print(f"已封存 {audit.seal()} 条审计日志")
    except psycopg.OperationalError:
        raise _lost("job") from None


@task(name="anchor", help={"dir": "the auditor's directory (default EPI_AUDIT_ANCHOR_DIR, else var/audit-anchors)"})
def audit_anchor(c, dir=None):
    """Write the audit chain's head (seal number and hash) to a new file outside the database."""
    from pathlib import Path

    from jobs import audit

    path = audit.anchor(directory=Path(dir) if dir else None)
    record = path.read_text(encoding="utf-8").strip()
    print(f"审计日志锚点已写入 {path}：{record}")


@task(name="verify", help={"anchor": "an anchor file written by audit.anchor (default: none; 'latest' = the newest "
                                     "in EPI_AUDIT_ANCHOR_DIR)"})
def audit_verify(c, anchor=None):
    """Recompute the audit chain: exit 0 with "N entries intact", else non-zero naming the first entry
    changed, removed or reordered."""
    from pathlib import Path

    from jobs import audit

    path = None
    if anchor == "latest":
        path = audit.latest_anchor()
        if path is None:
            raise Exit(f"锚点目录 {audit.anchor_dir()} 中没有锚点文件", code=2)
    elif anchor:
        path = Path(anchor)
        if not path.is_file():
            raise Exit(f"找不到锚点文件 {anchor}", code=2)
    verdict = audit.verify(anchor_file=path)
    print(verdict.message)
    if not verdict.ok:
        raise Exit("审计日志核验未通过", code=1)


@task(name="up", help={"dir": "the cluster's directory (default /tmp/kaiping-epi-cluster)",
                        "nodes": "how many Patroni nodes (default 3)"})
def cluster_up(c, dir=None, nodes=3):
    """Start a Patroni cluster on this machine (etcd, N nodes on loopback) and print its DATABASE_URL."""
    from ops import cluster

    try:
        started = cluster.up(dir or cluster.DEFAULT_DIR, int(nodes))
    except cluster.ClusterError as exc:
        raise Exit(str(exc), code=2) from None
    print(cluster.describe(started))
    print("集群已就绪。连接串（总是连到主节点）：")
    print(f"DATABASE_URL='{started.url()}'")


@task(name="status", help={"dir": "the cluster's directory (default /tmp/kaiping-epi-cluster)"})
def cluster_status(c, dir=None):
    """Show the cluster's nodes: role, state, replication lag."""
    from ops import cluster

    try:
        print(cluster.describe(cluster.Cluster.load(dir or cluster.DEFAULT_DIR)))
    except cluster.ClusterError as exc:
        raise Exit(str(exc), code=2) from None


@task(name="down", help={"dir": "the cluster's directory (default /tmp/kaiping-epi-cluster)",
                          "keep": "keep the directory (data and logs)"})
def cluster_down(c, dir=None, keep=False):
    """Stop the cluster's nodes and etcd, and remove its directory."""
    from ops import cluster

    try:
        cluster.down(dir or cluster.DEFAULT_DIR, keep=keep)
    except cluster.ClusterError as exc:
        raise Exit(str(exc), code=2) from None


@task(name="drill", help={"keep": "keep the cluster running afterwards (its directory is printed)"})
def cluster_drill(c, keep=False):
    """The high-availability drill: the leader's server lost under traffic and an import; figures and checks."""
    from ops import cluster, drill

    try:
        drill.run(keep=keep)
    except (cluster.ClusterError, drill.DrillFailed) as exc:
        raise Exit(str(exc), code=1) from None


@task(name="new", help={"file": "where to write the key file (default var/personal-data.key; never overwritten)",
                        "version": "the key version (default 1)"})
def keys_new(c, file=None, version=1):
    """Make new personal-data keys (SM4 data key, HMAC-SM3 digest key) in a key file, mode 0600."""
    from pathlib import Path

    from admin import keys
    from core import crypto

    try:
        keys.new(Path(file) if file else crypto.dev_key_path(), int(version))
    except crypto.KeyError_ as exc:
        raise _fail(exc) from None


@task(name="encrypt-existing", help={"batch": "rows per transaction (default 5000)"})
def keys_encrypt_existing(c, batch=5000):
    """Encrypt scans stored before encryption while the zone runs, batch by batch (resumable, progress)."""
    _rewrite_sealed("keys.encrypt-existing", "encrypt_existing", batch)


def _rewrite_sealed(command: str, step: str, batch) -> None:
    """keys.encrypt-existing and keys.rotate: admin.keys' step, batch by batch, a key problem said plainly."""
    from admin import keys
    from core import crypto

    _command(command)
    try:
        getattr(keys, step)(batch=int(batch))
    except crypto.KeyError_ as exc:
        raise _fail(exc) from None


@task(name="add", help={"file": "the key file to add a version to (default EPI_KEY_FILE, else var/personal-data.key)"})
def keys_add(c, file=None):
    """A new key version in the key file (the current one kept as the older); then restart the zone and run keys.rotate."""
    from pathlib import Path

    from admin import keys
    from core import config, crypto

    try:
        keys.add(Path(file) if file else (config.current().key_file or crypto.dev_key_path()))
    except crypto.KeyError_ as exc:
        raise _fail(exc) from None


@task(name="rotate", help={"batch": "rows per transaction (default 5000)"})
def keys_rotate(c, batch=5000):
    """Re-encrypt every record under an older key version with the current one, while the zone runs; then retire the old version."""
    _rewrite_sealed("keys.rotate", "rotate", batch)


db = Collection("db", upgrade, grant_oa, backup, restore, backup_key, url, stop, reset)
audit_ns = Collection("audit", audit_seal, audit_anchor, audit_verify)
load = Collection("load", load_units, load_menu_grants, load_venues, load_scans)
scans_ns = Collection("scans", scans_delete)
jobs_ns = Collection("jobs", jobs_run, jobs_list, jobs_schedule)
sms_ns = Collection("sms", sms_dispatch)
ops_ns = Collection("ops", ops_rules)
sync_ns = Collection("sync", sync_frontdb, sync_enable, sync_disable, sync_status)
demo_ns = Collection("demo", demo, demo_data)
cluster_ns = Collection("cluster", cluster_up, cluster_status, cluster_down, cluster_drill)
keys_ns = Collection("keys", keys_new, keys_encrypt_existing, keys_add, keys_rotate)
ns = Collection(db, audit_ns, load, scans_ns, jobs_ns, sms_ns, ops_ns, sync_ns, demo_ns, cluster_ns, keys_ns, templates, scheduler, serve, test, bench, soak)
