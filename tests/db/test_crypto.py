"""Personal data at rest (issue 49): SM4-GCM sealing and its integrity, the keyed digests, the masks
the importing process computes (the same as the database's rules), the keys' check against the
data, the key sources, the false-match rate of the name search, and the encryption of rows stored
before it (`invoke keys.encrypt-existing`, db.upgrade stopping before 0032 until it ran)."""
from __future__ import annotations

import random

import pytest

from core import config, crypto
from tests.conftest import as_admin, as_auditor, as_ops, quiet

RING = crypto.KeyRing(7, bytes(range(16)), bytes(range(32)))
OTHER = crypto.KeyRing(7, bytes(range(1, 17)), bytes(range(32)))


@pytest.mark.parametrize("value", ["440783199001011234", "44078319900101123x", "4407831990", "", "13900000001",
                                   "+8613900000001", "1234567", "张三", "欧阳娜娜", "张", "=HYPERLINK(\"x\")", None])
def test_the_process_masks_as_the_database_does(conn, value):
    as_ops(conn)
    assert conn.execute("select epi.mask_id_card(%s::text), epi.mask_phone(%s::text), epi.mask_name(%s::text)",
                        (value, value, value)).fetchone() == \
        (crypto.mask_id_card(value), crypto.mask_phone(value), crypto.mask_name(value))


def test_a_record_opens_only_as_it_was_sealed():
    sealer = crypto.Sealer(RING)
    sealed = sealer.seal("00000000000000001X", "测试甲乙", "10000000001")
    personal, version, id_digest, phone_digest, _grams, *masks = sealed
    assert version == 7 and masks == ["000000********001X", "测***", "100****0001"]
    assert b"00000000000000001X" not in personal and "测试".encode() not in personal
    assert sealer.open(personal, version, id_digest, phone_digest) == ("00000000000000001X", "测试甲乙", "10000000001")
    assert sealer.seal("00000000000000001X", "测试甲乙", "10000000001")[0] != personal   # a fresh nonce each time
    refused = "个人信息密文校验失败（数据被改动，或密钥不是加密时的密钥），已拒绝显示"
    tampered = personal[:20] + bytes([personal[20] ^ 1]) + personal[21:]
    for args in ((tampered, version, id_digest, phone_digest),          # a bit changed
                 (personal, version, id_digest + 1, phone_digest),      # moved beside another person's digest
                 (personal, version, id_digest, None)):
        with pytest.raises(crypto.KeyError_) as err:
            sealer.open(*args)
        assert str(err.value) == refused
    with pytest.raises(crypto.KeyError_) as err:
        crypto.Sealer(OTHER).open(personal, version, id_digest, phone_digest)   # another key
    assert str(err.value) == refused
    assert sealer.seal(None, None, None) == (None,) * 8


def test_digests_are_keyed_and_normalised():
    a, b = crypto.Sealer(RING), crypto.Sealer(crypto.KeyRing(7, bytes(16), bytes(range(1, 33))))
    assert a.id_digest("00000000000000001x") == a.id_digest(" 0000000000000000１X ")   # case, width, spaces
    assert a.phone_digest("100-0000-0001") == a.phone_digest("10000000001")
    assert a.id_digest("00000000000000001X") != b.id_digest("00000000000000001X")   # another digest key
    assert a.id_digest("10000000001") != a.phone_digest("10000000001")              # one domain per kind
    assert a.name_query("甲乙") == [a.digest(b"N", "甲乙")]
    assert len(a.name_query("一二三四五六七八")) == 3                                   # its 6-character pieces


def false_matches(names: list[str], queries: list[str]) -> tuple[int, int]:
    """(false matches, true matches) of the digest search against plain containment."""
    sealer = crypto.Sealer(RING)
    held = [set(sealer.name_digests(n)) for n in names]
    false = true = 0
    for q in queries:
        wanted = set(sealer.name_query(q))
        for name, digests in zip(names, held, strict=True):
            hit, real = wanted <= digests, q in name
            false += hit and not real
            true += real
            assert real <= hit, (q, name)   # never a miss
    return false, true


def test_the_name_search_has_no_false_match_on_the_demos_and_the_benchs_names():
    """Point 1: a searched name of 2–6 characters is one digest of the substring itself, so a match
    is exact (a false one only by a 64-bit digest collision); a longer one holds all its 6-character
    pieces — measured here on names of both data sets and on long ones."""
    from demo.fake import fake_name

    rng = random.Random(49)
    demo = sorted({fake_name(rng) for _ in range(3_000)})
    bench = sorted({"测" + chr(19968 + rng.randrange(400)) + chr(19968 + rng.randrange(400)) for _ in range(3_000)})
    long = ["阿卜杜热合曼·买买提·艾力", "买买提·买买提·买买提", "欧阳娜娜娜娜娜娜", "一二三四五六七一二三四五六七八"]
    for names in (demo, bench, demo[:300] + long):
        queries = sorted({n[i:i + k] for n in names[:150] + long for k in (2, 3, 4, 7, 8) for i in range(len(n) - k + 1)})
        false, true = false_matches(names, queries)
        assert false == 0 and true > 0


def test_a_wrong_key_is_refused_and_the_first_use_is_registered_once(conn):
    as_admin(conn)
    conn.execute("set local session authorization epi_web")
    check = "select epi.crypto_key_check(%s, %s, %s)"
    assert conn.execute(check, (7, *RING.checks())).fetchone()[0] == "registered"
    assert conn.execute(check, (7, *RING.checks())).fetchone()[0] == "ok"
    assert conn.execute(check, (7, *OTHER.checks())).fetchone()[0] == "mismatch"
    as_auditor(conn)
    assert conn.execute("select account, detail from epi.audit_log where action = 'crypto_key.register'").fetchall() == \
        [("epi_web", {"key_version": 7})]


def test_a_process_with_other_keys_than_the_datas_refuses_to_start(fresh_db, monkeypatch, tmp_path):
    from db import database

    web = database.web_url(database.database_name(fresh_db))
    monkeypatch.setenv("EPI_DATA_KEY", RING.data_key.hex())
    monkeypatch.setenv("EPI_DIGEST_KEY", RING.digest_key.hex())
    monkeypatch.setenv("EPI_KEY_VERSION", "7")
    crypto.reset()
    try:
        crypto.check_at_start(web, quiet)                        # first use: registered
        monkeypatch.setenv("EPI_DATA_KEY", OTHER.data_key.hex())
        crypto.reset()
        with pytest.raises(crypto.KeyError_) as err:
            crypto.check_at_start(web, quiet)
        assert str(err.value) == crypto.MISMATCH.format(version=7)
        assert str(err.value).startswith("个人信息加密密钥与数据库中的数据不匹配（密钥版本 7 的校验值不同）")
        with pytest.raises(crypto.KeyError_) as err:             # an import is refused the same way
            from loaders import scans
            from tests.loaders import workbooks as wbk

            scans.import_scans(wbk.csv_file(tmp_path / "扫码.csv", [[*wbk.ROW, "2022-03-04 08:01:02"]]), by="ops", url=web)
        assert str(err.value) == crypto.MISMATCH.format(version=7)
    finally:
        crypto.reset()


@pytest.mark.parametrize("env, message", [
    ({"EPI_PRODUCTION": "1"}, "未配置个人信息加密密钥：生产模式（EPI_PRODUCTION=1）须设置 EPI_KEY_SOURCE、EPI_DATA_KEY 与 "
                              "EPI_DIGEST_KEY，或 EPI_KEY_FILE（invoke keys.new 生成），专区拒绝启动"),
    ({"EPI_DATA_KEY": "00" * 16}, "EPI_DATA_KEY 与 EPI_DIGEST_KEY 须同时设置"),
    ({"EPI_KEY_FILE": "/nonexistent/personal-data.key"}, "无法读取密钥文件 /nonexistent/personal-data.key：No such file or directory"),
    ({"EPI_KEY_SOURCE": "nonexistent_kms:keyring"}, "无法加载密钥来源 EPI_KEY_SOURCE=nonexistent_kms:keyring：No module named 'nonexistent_kms'"),
])
def test_a_missing_key_is_refused_in_chinese(monkeypatch, env, message):
    for name in ("EPI_KEY_SOURCE", "EPI_DATA_KEY", "EPI_DIGEST_KEY", "EPI_KEY_FILE", "EPI_PRODUCTION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(crypto.KeyError_) as err:
        crypto.load_keyring()
    assert str(err.value) == message


def test_a_malformed_key_stops_the_configuration():
    with pytest.raises(config.ConfigError) as err:
        config.load({"EPI_DATA_KEY": "abc", "EPI_DIGEST_KEY": "00" * 31, "EPI_KEY_VERSION": "0"})
    assert str(err.value) == ("配置有误：EPI_DATA_KEY 应为 32 位十六进制的 SM4 数据加密密钥（已设置，内容不显示）；"
                              "EPI_DIGEST_KEY 应为 64 位十六进制的 HMAC-SM3 检索摘要密钥（已设置，内容不显示）；"
                              "EPI_KEY_VERSION 应为 1 至 32767 的整数（密钥版本）（当前为“0”）")


def test_a_key_file_and_a_key_source_give_the_keys(tmp_path, monkeypatch):
    from admin import keys

    path = tmp_path / "k" / "personal-data.key"
    keys.new(path, 3, echo=quiet)
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(crypto.KeyError_) as err:
        keys.new(path, 3, echo=quiet)
    assert str(err.value) == f"密钥文件 {path} 已存在：不会覆盖（覆盖即丢失已加密数据的密钥）"
    for name in ("EPI_KEY_SOURCE", "EPI_DATA_KEY", "EPI_DIGEST_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EPI_KEY_FILE", str(path))
    ring = crypto.load_keyring()
    assert ring.version == 3 and len(ring.data_key) == 16 and len(ring.digest_key) == 32
    monkeypatch.setenv("EPI_KEY_SOURCE", "tests.db.test_crypto:kms_stand_in")
    assert crypto.load_keyring() is RING


def kms_stand_in() -> crypto.KeyRing:
    """What a deployment's adapter returns (EPI_KEY_SOURCE=module:callable)."""
    return RING


def test_the_web_app_refuses_to_start_with_other_keys_than_the_datas(fresh_db, monkeypatch, tmp_path):
    """Point 2: create_app (invoke serve, the WSGI entry) stops with the Chinese message (a
    ConfigError: `invoke serve` prints it and exits 2)."""
    from db import database
    from web import ConfigError, create_app

    web = database.web_url(database.database_name(fresh_db))
    options = {"TESTING": True, "OA_JWT_SECRET": "x" * 32, "DATABASE_WEB_URL": web, "UPLOAD_DIR": str(tmp_path)}
    crypto.reset()
    try:
        create_app(options).extensions["epi_pool"].close()     # the process's keys: registered for this database
        monkeypatch.setenv("EPI_DATA_KEY", OTHER.data_key.hex())
        monkeypatch.setenv("EPI_DIGEST_KEY", OTHER.digest_key.hex())
        monkeypatch.setenv("EPI_KEY_VERSION", str(crypto.keyring().version))
        crypto.reset()
        with pytest.raises(ConfigError) as err:
            create_app(options)
        assert str(err.value) == crypto.MISMATCH.format(version=crypto.keyring().version)
    finally:
        crypto.reset()


def test_a_key_file_holds_the_current_version_and_at_most_one_older(tmp_path):
    path = tmp_path / "k.key"
    older = crypto.KeyRing(1, bytes(range(16)), bytes(range(32)))
    ring = crypto.new_keyring(2, (older,))
    crypto.replace_key_file(path, ring)
    assert path.stat().st_mode & 0o777 == 0o600
    read = crypto.read_key_file(path)
    assert (read.version, read.data_key, read.older) == (2, ring.data_key, (older,))
    sealer = crypto.Sealer(read)
    old = crypto.Sealer(older).seal("00000000000000001X", "测试甲乙", None)
    assert sealer.open(*old[:4]) == ("00000000000000001X", "测试甲乙", None)          # the older version opens
    assert sealer.seal("00000000000000001X", None, None)[1] == 2                         # new records: the current
    assert sealer.id_digests("00000000000000001X") == [sealer.id_digest("00000000000000001X"), old[2]]
    with pytest.raises(crypto.KeyError_) as err:
        crypto.KeyRing(3, bytes(16), bytes(32), (older, crypto.KeyRing(2, bytes(16), bytes(32))))
    assert str(err.value) == "密钥环最多同时包含当前版本和一个旧版本：请先完成上一次轮换（invoke keys.rotate）"
    with pytest.raises(crypto.KeyError_) as err:
        crypto.Sealer(crypto.KeyRing(2, bytes(16), bytes(32))).open(*old[:4])
    assert str(err.value) == "记录使用密钥版本 1 加密，本进程没有该版本的密钥（当前版本 2）：请检查密钥来源后重启"
