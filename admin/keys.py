"""The personal-data keys' commands: `invoke keys.new` and `invoke keys.encrypt-existing` (issue 49),
`invoke keys.add` and `invoke keys.rotate` (issue 50).

encrypt-existing seals the scans stored before encryption, whose plaintext 被采集人身份证, 被采集人 and
联系电话 migration 0032 moved into epi_private.scan_plaintext, while the zone runs (issue 50); the
masks the rows already have are kept (computed from the same values by the same rules). rotate
re-encrypts records under an older key version."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import psycopg

from core import crypto
from db import database

BATCH = 5_000
MIN_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
ENCRYPTED_FROM = "0031"   # the first revision with the sealed columns
PLAINTEXT = "id_card is not null or person_name is not null or phone is not null"


def new(path: Path, version: int = 1, echo=print) -> None:
    """A new key file (mode 0600), never over an existing one."""
    if path.exists():
        raise crypto.KeyError_(f"密钥文件 {path} 已存在：不会覆盖（覆盖即丢失已加密数据的密钥）")
    crypto.write_key_file(path, version)
    echo(f"已生成个人信息加密密钥文件 {path}（权限 0600，密钥版本 {version}）。"
         f"请设置 EPI_KEY_FILE={path}，并将其备份到离线介质；生产环境应改由政务云 KMS 或密码机提供（EPI_KEY_SOURCE）")


def add(path: Path, echo=print) -> crypto.KeyRing:
    """A new key version in an existing key file: fresh keys become the current version, the
    current ones stay as the older version (both needed until `invoke keys.rotate` is done).
    Refused while the file already holds an older version (a rotation not finished)."""
    ring = crypto.read_key_file(path)
    if ring.older:
        raise crypto.KeyError_(f"密钥文件 {path} 仍含旧版本 {ring.older[0].version}：请先完成上一次轮换"
                               "（invoke keys.rotate），并删除旧版本的两行")
    new = crypto.new_keyring(ring.version + 1, (crypto.KeyRing(ring.version, ring.data_key, ring.digest_key),))
    crypto.replace_key_file(path, new)
    echo(f"已在 {path} 中加入新密钥版本 {new.version}（旧版本 {ring.version} 保留）。下一步：重启专区的所有进程"
         f"（网页服务、调度程序），使其都持有两个版本，然后运行 invoke keys.rotate")
    return new


def write_sealed(conn, sealed) -> None:
    """Into epi.scan, in the caller's transaction: each (collected_at, scan_id, Sealer.seal's columns)
    record's ciphertext, key version and digests (its masks stay: the same values, the same rules)."""
    conn.execute("""create temp table if not exists sealed_rows (
                      collected_at timestamptz, scan_id bigint, personal bytea, key_version smallint,
                      id_card_digest bigint, phone_digest bigint, name_grams bigint[]) on commit drop""")
    with conn.cursor().copy("copy pg_temp.sealed_rows from stdin (format binary)") as copy:
        copy.set_types(["timestamptz", "int8", "bytea", "int2", "int8", "int8", "int8[]"])
        for when, scan_id, columns in sealed:
            copy.write_row([when, scan_id, *columns[:5]])
    conn.execute("""update epi.scan s
                       set personal = r.personal, key_version = r.key_version, id_card_digest = r.id_card_digest,
                           phone_digest = r.phone_digest, name_grams = r.name_grams
                      from pg_temp.sealed_rows r
                     where s.collected_at = r.collected_at and s.scan_id = r.scan_id""")


def encrypt_existing(url: str | None = None, *, batch: int = BATCH, echo=print) -> int:
    """Seal every scan stored before encryption (its values wait in epi_private.scan_plaintext since
    migration 0032), while the zone runs: batches in primary-key order, each its own short
    transaction that seals the records, writes their ciphertext, digests and (already stored) masks
    into epi.scan and removes their rows from the waiting table — a search or a reveal finds each
    record in one place or the other, never in neither; a kill loses one batch, and running it again
    goes on. Rows of records deleted meanwhile just go. Returns the records sealed."""
    url = url or database.admin_url()
    done = 0
    with psycopg.connect(url) as conn:
        total = conn.execute("select count(*) from epi_private.scan_plaintext").fetchone()[0]
        if total:
            sealer = crypto.checked(conn)   # the keys are the data's, as every process checks them
            conn.commit()
            echo(f"共有 {total:,} 条扫码记录的个人信息尚未加密，开始加密（每批 {batch:,} 条，专区可照常使用）")
        started, after = time.monotonic(), (MIN_TIME, 0)
        while total:
            rows = conn.execute("""select collected_at, scan_id, id_card, person_name, phone
                                     from epi_private.scan_plaintext
                                    where (collected_at, scan_id) > (%s, %s)
                                    order by collected_at, scan_id
                                    limit %s for update skip locked""", (*after, batch)).fetchall()
            if not rows:
                break
            after = rows[-1][:2]
            write_sealed(conn, ((when, scan_id, sealer.seal(id_card, name, phone))
                                for when, scan_id, id_card, name, phone in rows))
            conn.execute("""delete from epi_private.scan_plaintext p using pg_temp.sealed_rows r
                             where p.collected_at = r.collected_at and p.scan_id = r.scan_id""")
            conn.commit()
            done += len(rows)
            rate = done / max(time.monotonic() - started, 1e-6)
            echo(f"  已加密 {done:,} / {total:,} 条（{rate:,.0f} 条/秒）")
    if done:
        echo(f"已加密 {done:,} 条。旧的明文仍可能留在已删除的行版本、WAL 和旧备份中：请随后执行 "
             "VACUUM FULL epi_private.scan_plaintext 与 VACUUM epi.scan，做一次新的完整备份，并销毁旧备份")
    return done


def rotate(url: str | None = None, *, batch: int = BATCH, limit: int | None = None, echo=print) -> int:
    """Re-encrypt every record sealed under an older key version with the current one, while the
    zone runs: batches in primary-key order, each its own short transaction (rows locked by nobody
    else: `skip locked`; a row deleted meanwhile is simply gone), progress printed; a kill loses one
    batch, and running it again goes on. The zone's processes hold both versions meanwhile (`invoke
    keys.add`, then a restart): each opens either, and searches look for both versions' digests.
    When no record is left under an older version, that version is retired (audited): its keys are
    no longer needed. ``limit``: stop after that many rows (the bench). Returns the rows re-encrypted."""
    url = url or database.admin_url()
    done = 0
    with psycopg.connect(url) as conn:
        sealer = crypto.checked(conn)   # both versions are the data's, and no other version is needed
        ring = sealer.ring
        conn.execute("set local epi.account = 'keys.rotate'")
        total = conn.execute("select count(*) from epi.scan where key_version <> %s", (ring.version,)).fetchone()[0]
        conn.execute("select epi_private.write_audit('crypto_key.rotate', jsonb_build_object('to', %s::int, 'rows', %s::bigint))",
                     (ring.version, total))
        conn.commit()
        echo(f"共有 {total:,} 条记录使用旧密钥版本，重新加密为版本 {ring.version}（每批 {batch:,} 条）")
        started, after = time.monotonic(), (MIN_TIME, 0)
        while total and (limit is None or done < limit):
            rows = conn.execute("""select collected_at, scan_id, personal, key_version, id_card_digest, phone_digest
                                     from epi.scan
                                    where (collected_at, scan_id) > (%s, %s) and key_version <> %s
                                    order by collected_at, scan_id
                                    limit %s for update skip locked""",
                                (*after, ring.version, min(batch, (limit - done) if limit else batch))).fetchall()
            if not rows:
                break
            after = rows[-1][:2]
            write_sealed(conn, ((when, scan_id, sealer.seal(*sealer.open(*stored))) for when, scan_id, *stored in rows))
            conn.commit()
            done += len(rows)
            rate = done / max(time.monotonic() - started, 1e-6)
            echo(f"  已重新加密 {done:,} / {total:,} 条（{rate:,.0f} 条/秒）")
        if limit is not None and done >= limit:
            return done
        retire(conn, ring, echo)
    return done


def retire(conn, ring: crypto.KeyRing, echo=print) -> list[int]:
    """Retire every registered version other than the current one that no record uses any more."""
    retired = []
    for (version,) in conn.execute("select version from epi_private.crypto_key where retired_at is null and version <> %s",
                                   (ring.version,)).fetchall():
        if conn.execute("select exists (select from epi.scan where key_version = %s)", (version,)).fetchone()[0]:
            echo(f"密钥版本 {version} 仍有记录使用，未停用：请再次运行 invoke keys.rotate")
            continue
        conn.execute("set local epi.account = 'keys.rotate'")
        conn.execute("update epi_private.crypto_key set retired_at = now() where version = %s", (version,))
        conn.execute("select epi_private.write_audit('crypto_key.retire', jsonb_build_object('key_version', %s::int))",
                     (version,))
        conn.commit()
        retired.append(version)
        echo(f"密钥版本 {version} 已停用：已没有记录使用它。现在可以从密钥文件（或 KMS）中删除该版本，并重启专区")
    return retired
