"""Encryption while the zone runs (issue 50). Point 1: scans stored before encryption — moved by
db.upgrade into epi_private.scan_plaintext — sealed by `invoke keys.encrypt-existing` under web
traffic: searches by ID number, phone and name and reveals answer the same throughout, whether a
record is sealed yet or not. Point 2: a new key version added (`invoke keys.add`), the zone
restarted with both, `invoke keys.rotate` re-encrypting under web traffic — the same answers —
then every record under the new version, the old one retired (audited) and no longer needed; a
rotation killed half-way goes on when run again; a process without a version the data still needs
refuses to start."""
from __future__ import annotations

import contextlib
import threading

import psycopg
import pytest

from admin import keys
from core import crypto
from db import database
from tests.conftest import SEALED_COLUMNS, as_auditor, as_ops, build_world, quiet, sealed
from tests.web.conftest import SECRET, ticket

PERSON = ("00000000000000009X", "测试轮换", "10000000009")
EXTRA = 240   # the person's scans at VA1 beside the world's (batches of 50: several of them)


@pytest.fixture
def rotating_db(seeded_db, key_file):
    with psycopg.connect(seeded_db) as c:
        as_ops(c)
        batch = c.execute("select min(batch_id) from epi.import_batch").fetchone()[0]
        c.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                      select 'VA1', {sealed(*PERSON)}, '2022-03-06 08:00+08'::timestamptz + g * interval '1 minute',
                             %s, 'ops.tester' from generate_series(1, {EXTRA}) g""", (batch,))
        c.commit()
    crypto.check_at_start(database.web_url(database.database_name(seeded_db)), None)   # version 1 registered, as a start does
    return seeded_db


def app_for(url, tmp_path):
    from web import create_app

    return create_app({"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "test-session-key",
                       "DATABASE_WEB_URL": database.web_url(database.database_name(url)),
                       "UPLOAD_DIR": str(tmp_path / "uploads"), "SESSION_COOKIE_SECURE": False})


def search(client, **condition) -> tuple[int, int]:
    res = client.post("/api/scans/search", json=condition | {"count": True},
                      headers={"Authorization": "Bearer " + ticket(menus=["scan_query", "scan_reveal"])})
    return res.status_code, (res.get_json() or {}).get("count", -1)


def reveal(client, scan_id) -> tuple[int, str | None]:
    res = client.post(f"/api/scans/{scan_id}/reveal", json={"reason": "核对轮换"},
                      headers={"Authorization": "Bearer " + ticket(menus=["scan_query", "scan_reveal"])})
    return res.status_code, ((res.get_json() or {}).get("scan") or {}).get("id_card")


class Traffic:
    """Web traffic while a command re-encrypts: searches by each condition in turn and, every ninth,
    a reveal, until the command ends (and at least 6 requests); its progress line after each batch
    waits for 3 more answers, so requests come while the records are half done."""

    def __init__(self, client, values: dict, scan_id: int):
        self.client, self.values, self.scan_id = client, values, scan_id
        self.answers: list = []
        self.after_batch: list[int] = []
        self.stop = threading.Event()
        self.worker = threading.Thread(target=self.run)

    def run(self):
        i = 0
        while not self.stop.is_set() or i < 6:
            key = list(self.values)[i % len(self.values)]
            self.answers.append((key, search(self.client, **{key: self.values[key]})))
            if i % 9 == 0:
                self.answers.append(("reveal", reveal(self.client, self.scan_id)))
            i += 1

    def __enter__(self):
        self.worker.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.worker.join(60)

    def between_batches(self, say=None):
        def echo(line: str) -> None:
            if say:
                say(line)
            seen = len(self.answers)
            for _ in range(600):
                if len(self.answers) >= seen + 3 or not self.worker.is_alive():
                    break
                self.stop.wait(0.05)
            self.after_batch.append(len(self.answers) - seen)
        return echo

    def wrong(self, expected: dict, id_card: str) -> list:
        """The answers that differ from the expected ones (a reveal: 200 with the person's ID number)."""
        return [a for a in self.answers if a[1] != (expected.get(a[0]) or (200, id_card))]

    def between_every_two_batches(self, lines: int) -> bool:
        return len(self.after_batch) >= lines and min(self.after_batch[1:-1]) >= 3


def versions(url) -> dict:
    with psycopg.connect(url) as c:
        return dict(c.execute("select key_version, count(*) from epi.scan group by 1").fetchall())


def test_a_rotation_under_web_traffic_changes_no_answer(rotating_db, key_file, tmp_path):
    before = versions(rotating_db)
    assert before == {1: 7 + EXTRA}
    with psycopg.connect(rotating_db) as c:
        scan_id = c.execute("select min(scan_id) from epi.scan where venue_id = 'VA1' and collected_at > '2022-03-06'"
                            ).fetchone()[0]
    # a process that lacks the version the data is sealed under refuses to start
    v1 = crypto.read_key_file(key_file)
    crypto.replace_key_file(key_file, crypto.new_keyring(2))
    crypto.reset()
    with pytest.raises(crypto.KeyError_) as err:
        app_for(rotating_db, tmp_path)
    assert str(err.value) == crypto.MISSING.format(versions="1")
    crypto.replace_key_file(key_file, v1)

    ring = keys.add(key_file, echo=quiet)            # version 2, version 1 kept
    assert (ring.version, [o.version for o in ring.older]) == (2, [1])
    with pytest.raises(crypto.KeyError_) as err:      # one rotation at a time
        keys.add(key_file, echo=quiet)
    assert str(err.value) == (f"密钥文件 {key_file} 仍含旧版本 1：请先完成上一次轮换（invoke keys.rotate），"
                              "并删除旧版本的两行")
    crypto.reset()                                    # the zone restarted with both versions
    app = app_for(rotating_db, tmp_path)
    client = app.test_client()
    expected = {"id_card": (200, EXTRA), "phone": (200, EXTRA), "person_name": (200, EXTRA)}
    values = dict(zip(("id_card", "person_name", "phone"), PERSON, strict=True))
    assert {k: search(client, **{k: values[k]}) for k in expected} == expected
    traffic, said = Traffic(client, values, scan_id), []
    with traffic:
        assert keys.rotate(rotating_db, batch=50, echo=traffic.between_batches(said.append)) == 7 + EXTRA
    app.extensions["epi_pool"].close()
    assert said[0] == f"共有 {7 + EXTRA:,} 条记录使用旧密钥版本，重新加密为版本 2（每批 50 条）"
    assert said[-1] == "密钥版本 1 已停用：已没有记录使用它。现在可以从密钥文件（或 KMS）中删除该版本，并重启专区"
    assert traffic.wrong(expected, PERSON[0]) == [] and traffic.between_every_two_batches(6)
    assert versions(rotating_db) == {2: 7 + EXTRA}
    with psycopg.connect(rotating_db) as c:
        as_auditor(c)
        assert c.execute("select action, detail from epi.audit_log where action like 'crypto_key.%' "
                         "order by audit_id").fetchall() == [
            ("crypto_key.register", {"key_version": 1}), ("crypto_key.register", {"key_version": 2}),
            ("crypto_key.rotate", {"to": 2, "rows": 7 + EXTRA}), ("crypto_key.retire", {"key_version": 1})]
    # the old key is no longer needed: a process with version 2 alone finds and opens everything
    crypto.replace_key_file(key_file, crypto.KeyRing(ring.version, ring.data_key, ring.digest_key))
    crypto.reset()
    app = app_for(rotating_db, tmp_path)
    client = app.test_client()
    assert {k: search(client, **{k: values[k]}) for k in expected} == expected
    assert reveal(client, scan_id) == (200, PERSON[0])
    app.extensions["epi_pool"].close()


def test_a_rotation_killed_half_way_goes_on_when_run_again(rotating_db, key_file):
    keys.add(key_file, echo=quiet)
    crypto.reset()
    assert keys.rotate(rotating_db, batch=50, limit=100, echo=quiet) == 100      # stopped after 100 rows
    assert versions(rotating_db) == {1: 7 + EXTRA - 100, 2: 100}
    with psycopg.connect(rotating_db) as c:                                    # version 1 still needed
        assert c.execute("select retired_at from epi_private.crypto_key where version = 1").fetchone() == (None,)
    assert keys.rotate(rotating_db, batch=50, echo=quiet) == 7 + EXTRA - 100
    assert versions(rotating_db) == {2: 7 + EXTRA}
    with psycopg.connect(rotating_db) as c:
        assert c.execute("select version from epi_private.crypto_key where retired_at is not null").fetchall() == [(1,)]


PLAIN = [("VA1", "00000000000000001X", "测试甲乙", "10000000001"), ("VA2", "00000000000000002X", "测试丙", None),
         ("VB1", None, None, None)]


@contextlib.contextmanager
def database_from_before_encryption(fresh_db):
    """A new database at revision 0030 (before issue 49) holding scans stored in plaintext."""
    from db import upgrade

    name = database.database_name(fresh_db) + "_old"
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute(f"create database {name}")
    old = database.with_params(fresh_db, dbname=name)
    try:
        upgrade.upgrade(old, echo=quiet, target="0030")
        with psycopg.connect(old) as c:
            c.execute("set role epi_owner")   # as the partitions' maker would (epi.ensure_scan_partitions)
            c.execute("create table epi.scan_y2022m03 partition of epi.scan "
                      "for values from ('2022-03-01 00:00+08') to ('2022-04-01 00:00+08')")
            batch = c.execute("insert into epi.import_batch (file_name, imported_by) values ('旧.xlsx', 'o') "
                              "returning batch_id").fetchone()[0]
            for i, (venue, id_card, name_, phone) in enumerate(PLAIN * 3):
                c.execute("""insert into epi.scan (venue_id, id_card, person_name, phone, collected_at, batch_id, imported_by)
                             values (%s, %s, %s, %s, '2022-03-05 10:00+08'::timestamptz + %s * interval '1 minute', %s, 'o')""",
                          (venue, id_card, name_, phone, i, batch))
        yield old
    finally:
        with psycopg.connect(fresh_db, autocommit=True) as c:
            c.execute(f"drop database if exists {name} with (force)")


def test_scans_stored_before_encryption_are_sealed_while_the_zone_answers(fresh_db, key_file, tmp_path):
    from db import upgrade

    with database_from_before_encryption(fresh_db) as old:
        said: list[str] = []
        upgrade.upgrade(old, echo=said.append)          # no stop: the plaintext waits aside, the zone may run
        assert said[-1] == ("有 6 条扫码记录是加密之前存入的（个人信息仍为明文，已移入 epi_private.scan_plaintext）："
                            "请运行 invoke keys.encrypt-existing（专区可照常运行）")
        with psycopg.connect(old) as c:
            assert c.execute("select version_num from epi_private.alembic_version").fetchone()[0] == upgrade.head_revision()
            assert c.execute("select count(*) from pg_attribute where attrelid = 'epi.scan'::regclass "
                             "and attname in ('id_card', 'person_name', 'phone') and not attisdropped").fetchone()[0] == 0
            build_world(c)                               # units T-A (VA1, VA2) and T-B, and scans sealed since
            c.commit()
            legacy = c.execute("select min(scan_id) from epi.scan where venue_id = 'VA1' and personal is null"
                               ).fetchone()[0]
        crypto.check_at_start(database.web_url(database.database_name(old)), None)
        app = app_for(old, tmp_path)
        client = app.test_client()
        values = {"id_card": PLAIN[0][1], "phone": PLAIN[0][3], "person_name": "甲乙"}
        expected = {k: (200, 3) for k in values}
        assert {k: search(client, **{k: v}) for k, v in values.items()} == expected
        assert reveal(client, legacy) == (200, PLAIN[0][1])
        traffic = Traffic(client, values, legacy)
        with traffic:
            assert keys.encrypt_existing(old, batch=2, echo=traffic.between_batches()) == 6
        assert traffic.wrong(expected, PLAIN[0][1]) == [] and traffic.between_every_two_batches(4)
        with psycopg.connect(old) as c:
            assert c.execute("select count(*) from epi_private.scan_plaintext").fetchone()[0] == 0
            rows = c.execute("select venue_id, personal, key_version, id_card_digest, phone_digest, id_card_masked "
                             "from epi.scan where batch_id = (select min(batch_id) from epi.import_batch) "
                             "order by collected_at").fetchall()
            assert [(r[0], *crypto.sealer().open(*r[1:5]), r[5]) for r in rows][:3] == \
                [(v, i, n, p, crypto.mask_id_card(i)) for v, i, n, p in PLAIN]
        app.extensions["epi_plaintext_pending"] = [-1e9, True]   # as after its 30 s: asked again
        assert {k: search(client, **{k: v}) for k, v in values.items()} == expected
        assert reveal(client, legacy) == (200, PLAIN[0][1])
        assert keys.encrypt_existing(old, echo=quiet) == 0       # again: nothing left, nothing done
        app.extensions["epi_pool"].close()
