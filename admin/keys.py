"""The personal-data keys' commands (issue 49): `invoke keys.new` and `invoke keys.encrypt-existing`.

encrypt-existing takes a database whose scans were stored before encryption (plaintext 被采集人身份证,
被采集人, 联系电话) to the encrypted schema: migration 0031 (the sealed columns beside the plaintext
ones), then the rows in batches, each batch its own short transaction that seals the rows and
clears their plaintext — a kill loses at most the batch in flight, and running it again goes on
with the rows still plaintext — then the rest of the migrations (0032 drops the plaintext
columns). The zone is stopped while it runs (the next 密评 issue makes it online). The masks the
rows already have are kept (they were computed from the same values by the same rules)."""
from __future__ import annotations

import time
from pathlib import Path

import psycopg

from core import crypto
from db import database, upgrade

BATCH = 5_000
ENCRYPTED_FROM = "0031"   # the first revision with the sealed columns
PLAINTEXT = "id_card is not null or person_name is not null or phone is not null"


def new(path: Path, version: int = 1, echo=print) -> None:
    """A new key file (mode 0600), never over an existing one."""
    if path.exists():
        raise crypto.KeyError_(f"密钥文件 {path} 已存在：不会覆盖（覆盖即丢失已加密数据的密钥）")
    crypto.write_key_file(path, version)
    echo(f"已生成个人信息加密密钥文件 {path}（权限 0600，密钥版本 {version}）。"
         f"请设置 EPI_KEY_FILE={path}，并将其备份到离线介质；生产环境应改由政务云 KMS 或密码机提供（EPI_KEY_SOURCE）")


def has_plaintext_columns(conn) -> bool:
    return conn.execute("""select exists (select from pg_attribute where attrelid = to_regclass('epi.scan')
                                             and attname = 'id_card' and not attisdropped)""").fetchone()[0]


def plaintext_rows(conn) -> int:
    """Rows whose personal values are still plaintext (0 once the columns are gone)."""
    if not has_plaintext_columns(conn):
        return 0
    return conn.execute(f"select count(*) from epi.scan where personal is null and ({PLAINTEXT})").fetchone()[0]


def _check_keys(conn, ring: crypto.KeyRing) -> None:
    """As epi.crypto_key_check, for a database between revisions (its functions may not be there yet)."""
    data_check, digest_check = ring.checks()
    row = conn.execute("select data_check, digest_check from epi_private.crypto_key where version = %s",
                       (ring.version,)).fetchone()
    if row is None:
        conn.execute("insert into epi_private.crypto_key (version, data_check, digest_check) values (%s, %s, %s)",
                     (ring.version, data_check, digest_check))
    elif row != (data_check, digest_check):
        raise crypto.KeyError_(crypto.MISMATCH.format(version=ring.version))


def encrypt_existing(url: str | None = None, *, batch: int = BATCH, echo=print) -> int:
    """Seal every plaintext row, then upgrade to the newest schema. Returns the rows sealed."""
    url = url or database.admin_url()
    with psycopg.connect(url, autocommit=True) as conn:
        needs_columns = has_plaintext_columns(conn) and not conn.execute(
            "select exists (select from pg_attribute where attrelid = 'epi.scan'::regclass and attname = 'personal')"
        ).fetchone()[0]
    if needs_columns:
        upgrade.upgrade(url, echo=echo, target=ENCRYPTED_FROM)
    ring = crypto.keyring()
    sealer = crypto.Sealer(ring)
    done = 0
    with psycopg.connect(url) as conn:
        total = plaintext_rows(conn)
        if total:
            _check_keys(conn, ring)
            conn.commit()
            echo(f"共有 {total:,} 条扫码记录的个人信息尚未加密，开始加密（每批 {batch:,} 条）")
        started = time.monotonic()
        while total:
            rows = conn.execute(f"""select collected_at, scan_id, id_card, person_name, phone from epi.scan
                                     where personal is null and ({PLAINTEXT})
                                     limit %s for update skip locked""", (batch,)).fetchall()
            if not rows:
                break
            conn.execute("""create temp table if not exists sealed_rows (
                              collected_at timestamptz, scan_id bigint, personal bytea, key_version smallint,
                              id_card_digest bigint, phone_digest bigint, name_grams bigint[]) on commit drop""")
            with conn.cursor().copy("copy pg_temp.sealed_rows from stdin (format binary)") as copy:
                copy.set_types(["timestamptz", "int8", "bytea", "int2", "int8", "int8", "int8[]"])
                for when, scan_id, id_card, name, phone in rows:
                    copy.write_row([when, scan_id, *sealer.seal(id_card, name, phone)[:5]])
            conn.execute("""update epi.scan s
                               set personal = r.personal, key_version = r.key_version, id_card_digest = r.id_card_digest,
                                   phone_digest = r.phone_digest, name_grams = r.name_grams,
                                   id_card = null, person_name = null, phone = null
                              from pg_temp.sealed_rows r
                             where s.collected_at = r.collected_at and s.scan_id = r.scan_id""")
            conn.commit()
            done += len(rows)
            rate = done / max(time.monotonic() - started, 1e-6)
            echo(f"  已加密 {done:,} / {total:,} 条（{rate:,.0f} 条/秒）")
    if done:
        echo(f"已加密 {done:,} 条。旧的明文仍可能留在已删除的行版本和 WAL 中：请随后执行 "
             "VACUUM FULL epi.scan 并做一次新的完整备份，删除旧备份")
    upgrade.upgrade(url, echo=echo)
    return done
