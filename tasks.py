"""Command line of the supervision zone (invoke). `invoke --list` shows every command.

DATABASE_URL selects the database (an admin connection); without it an embedded PostgreSQL 18
is started under var/pgdata on first use and reused by later commands.
"""
from __future__ import annotations

import sys
import warnings

from invoke import Collection, Exit, task

warnings.filterwarnings("ignore", module="platformdirs")


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
})
def grant_oa(c, login, unit=None, ops=False, password=None):
    """Create or rebind a database login for an OA system that reads oa.* as one unit (or as ops)."""
    from db import upgrade as up

    try:
        up.grant_oa(login, unit=unit, ops=ops, password=password)
    except ValueError as exc:
        raise Exit(str(exc), code=2) from None


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
    """Run the web app with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    from web import create_app

    print(f"疫情防控监管专区: http://{host}:{port}/", flush=True)
    waitress_serve(create_app(), host=host, port=int(port), threads=8)


@task(help={"host": "address to listen on", "port": "port to listen on"})
def demo(c, host="127.0.0.1", port=8000):
    """Create or upgrade the database and serve the web app (demo data arrives with the demo issue)."""
    upgrade(c)
    serve(c, host=host, port=port)


@task(help={"args": "extra arguments for pytest, e.g. \"-k matrix -x\""})
def test(c, args=""):
    """Run the test suite against a real PostgreSQL (embedded, or DATABASE_URL)."""
    c.run(f"{sys.executable} -m pytest {args}", pty=False)


db = Collection("db", upgrade, grant_oa, url, stop, reset)
ns = Collection(db, serve, demo, test)
