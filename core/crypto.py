"""Personal data at rest (issue 49, 密评): 被采集人身份证, 被采集人 and 联系电话 leave the importing
process only as

- one SM4-GCM ciphertext per record holding all three values (one encryption per row, not three),
  with a random 96-bit nonce and the 128-bit tag, under the data key of ``key_version``; its
  associated data binds it to the key version and to the record's two exact-search digests, so a
  ciphertext moved onto a record of another person, or a digest changed beside it, fails its tag;
- keyed digests (HMAC-SM3 under the digest key, the first 8 bytes as a signed bigint, one domain
  letter per kind): the normalised full ID number and phone (exact search), and every substring of
  2 to ``GRAM_MAX`` characters of the normalised name ("contains": a searched name of up to
  ``GRAM_MAX`` characters is one digest, so a match is exact, not "holds all the pairs"; a longer
  one must hold all its ``GRAM_MAX``-character pieces — see :func:`name_query`);
- the masks every page shows (the rules of db/schema/0004_masked_personal_data.sql, here in Python
  because the database never sees the value; tests/db/test_crypto.py holds both to the same output).

Keys never enter the database. :class:`KeyRing` comes from a key source (:func:`load_keyring`):
``EPI_KEY_SOURCE`` (``module:callable`` returning a KeyRing: a deployment's adapter to the 政务云
KMS or a certified cryptographic module), else ``EPI_DATA_KEY`` and ``EPI_DIGEST_KEY`` (hex), else
``EPI_KEY_FILE`` (written by ``invoke keys.new``), else — outside production only — a key file made
once in the var directory. The database keeps a check value per key version
(epi_private.crypto_key: HMAC-SM3 of a constant under each key); :func:`checked` compares the
process's keys with it before the first record is written or read, and the zone refuses to start
with keys that do not match the data (:class:`KeyError_`)."""
from __future__ import annotations

import contextlib
import hmac
import importlib
import os
import secrets
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core import config

GRAM_MAX = 6            # name substrings of 2..GRAM_MAX characters are digested
NONCE = 12
TAG = 16
CHECK_TEXT = b"kaiping-epi key check"


class KeyError_(config.ConfigError):
    """The keys are missing, malformed, or not the ones the data was written with (Chinese message;
    a ConfigError: every entry point that stops on a wrong setting stops on it, with the message)."""


@dataclass(frozen=True)
class KeyRing:
    """The data key (SM4, 16 bytes) and digest key (HMAC-SM3, 32 bytes) of the current key version,
    with which new records are sealed, and ``older``: the keys of at most one earlier version that
    records may still be sealed under while a rotation runs (``invoke keys.rotate``) — they open
    such records, and searches look for both versions' digests."""
    version: int
    data_key: bytes = field(repr=False)
    digest_key: bytes = field(repr=False)
    older: tuple[KeyRing, ...] = ()

    def __post_init__(self):
        if not 1 <= self.version <= 32767:
            raise KeyError_("密钥版本应为 1 至 32767 的整数")
        if len(self.data_key) != 16:
            raise KeyError_("数据加密密钥（SM4）应为 16 字节（32 位十六进制）")
        if len(self.digest_key) < 32:
            raise KeyError_("检索摘要密钥（HMAC-SM3）应至少 32 字节（64 位十六进制）")
        if len(self.older) > 1 or any(o.older or o.version == self.version for o in self.older):
            raise KeyError_("密钥环最多同时包含当前版本和一个旧版本：请先完成上一次轮换（invoke keys.rotate）")

    @property
    def versions(self) -> tuple[KeyRing, ...]:
        """The current version first, then the older one (if any)."""
        return (self, *self.older)

    def checks(self) -> tuple[str, str]:
        """The check values the database keeps: HMAC-SM3 of a constant under each key (they tell
        whether a key is the right one and reveal nothing of it)."""
        tag = CHECK_TEXT + b" v%d" % self.version
        return (hmac.new(self.data_key, b"data " + tag, "sm3").hexdigest(),
                hmac.new(self.digest_key, b"digest " + tag, "sm3").hexdigest())


def _hex_key(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise KeyError_(f"{what}应为十六进制字符串") from None


DATA, DIGEST = "EPI_DATA_KEY", "EPI_DIGEST_KEY"   # also the names of a key file's lines


def read_key_file(path: Path) -> KeyRing:
    """A key file of ``invoke keys.new``: lines NAME=VALUE — EPI_KEY_VERSION (the current version),
    EPI_DATA_KEY and EPI_DIGEST_KEY (its keys), and, during a rotation (``invoke keys.add``), the
    earlier version's keys on lines of the same names with _V<n> appended."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise KeyError_(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from None
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    values = {k.strip(): v.strip() for k, v in values.items()}
    if not values.get("EPI_DATA_KEY") or not values.get("EPI_DIGEST_KEY"):
        raise KeyError_(f"密钥文件 {path} 缺少 EPI_DATA_KEY 或 EPI_DIGEST_KEY")
    try:
        version = int(values.get("EPI_KEY_VERSION", "1"))
        olders = sorted({int(k.rsplit("_V", 1)[1]) for k in values if k.startswith((DATA + "_V", DIGEST + "_V"))})
    except ValueError:
        raise KeyError_(f"密钥文件 {path} 的密钥版本应为整数") from None
    older = []
    for v in olders:
        data, digest = f"{DATA}_V{v}", f"{DIGEST}_V{v}"   # key-file lines of an older version, not variables
        if not values.get(data) or not values.get(digest):
            raise KeyError_(f"密钥文件 {path} 缺少版本 {v} 的 {data} 或 {digest}")
        older.append(KeyRing(v, _hex_key(values[data], data + " "), _hex_key(values[digest], digest + " ")))
    return KeyRing(version, _hex_key(values["EPI_DATA_KEY"], "EPI_DATA_KEY "),
                   _hex_key(values["EPI_DIGEST_KEY"], "EPI_DIGEST_KEY "), tuple(older))


HEADER = "# 疫情防控监管专区：个人信息加密密钥（invoke keys.new 生成）。妥善保管，丢失即无法解密已存数据。\n"


def key_file_text(ring: KeyRing) -> str:
    lines = [HEADER, f"EPI_KEY_VERSION={ring.version}\n", f"EPI_DATA_KEY={ring.data_key.hex()}\n",
             f"EPI_DIGEST_KEY={ring.digest_key.hex()}\n"]
    for o in ring.older:
        lines += [f"# 旧版本 {o.version}：轮换（invoke keys.rotate）完成后删除以下两行\n",
                  f"{DATA}_V{o.version}={o.data_key.hex()}\n", f"{DIGEST}_V{o.version}={o.digest_key.hex()}\n"]
    return "".join(lines)


def new_keyring(version: int = 1, older: tuple[KeyRing, ...] = ()) -> KeyRing:
    """Fresh keys from the operating system's CSPRNG."""
    return KeyRing(version, secrets.token_bytes(16), secrets.token_bytes(32), older)


def new_key_file_text(version: int = 1) -> str:
    """A fresh key file."""
    return key_file_text(new_keyring(version))


def write_key_file(path: Path, version: int = 1) -> None:
    """Write a new key file, mode 0600; never overwrites one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(new_key_file_text(version))


def replace_key_file(path: Path, ring: KeyRing) -> None:
    """Write ``ring`` over a key file, atomically (a new file, mode 0600, renamed over the old one)."""
    tmp = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key_file_text(ring))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def dev_key_path() -> Path:
    return config.current().var_dir / "personal-data.key"


def load_keyring() -> KeyRing:
    """The key ring from the configured key source (see the module's text)."""
    cfg = config.current()
    if cfg.key_source:
        module, _, name = cfg.key_source.partition(":")
        try:
            source: Callable[[], KeyRing] = getattr(importlib.import_module(module), name or "keyring")
        except (ImportError, AttributeError) as exc:
            raise KeyError_(f"无法加载密钥来源 EPI_KEY_SOURCE={cfg.key_source}：{exc}") from None
        ring = source()
        if not isinstance(ring, KeyRing):
            raise KeyError_(f"密钥来源 {cfg.key_source} 没有返回 KeyRing")
        return ring
    if cfg.data_key or cfg.digest_key:
        if not (cfg.data_key and cfg.digest_key):
            raise KeyError_("EPI_DATA_KEY 与 EPI_DIGEST_KEY 须同时设置")
        return KeyRing(cfg.key_version, _hex_key(cfg.data_key, "EPI_DATA_KEY "),
                       _hex_key(cfg.digest_key, "EPI_DIGEST_KEY "))
    if cfg.key_file:
        return read_key_file(cfg.key_file)
    if cfg.production:
        raise KeyError_("未配置个人信息加密密钥：生产模式（EPI_PRODUCTION=1）须设置 EPI_KEY_SOURCE、"
                        "EPI_DATA_KEY 与 EPI_DIGEST_KEY，或 EPI_KEY_FILE（invoke keys.new 生成），专区拒绝启动")
    path = dev_key_path()
    if not path.exists():
        with contextlib.suppress(FileExistsError):   # another process made it first
            write_key_file(path)
    return read_key_file(path)


# ---- normalised values and digests -------------------------------------------------------------

def _nfkc(value: str) -> str:
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def norm_id(value: str) -> str:
    """被采集人身份证 as digested: NFKC (full-width digits), no spaces, check letter upper-case."""
    return "".join(_nfkc(value).split()).upper()


def norm_phone(value: str) -> str:
    """联系电话 as digested: NFKC, no spaces or hyphens."""
    return "".join(_nfkc(value).split()).replace("-", "")


def norm_name(value: str) -> str:
    """被采集人 as digested: NFKC, trimmed (inner spaces kept)."""
    return unicodedata.normalize("NFKC", value).strip()


def _digest(base, domain: bytes, text: str) -> int:
    h = base.copy()
    h.update(domain + text.encode("utf-8"))
    return int.from_bytes(h.digest()[:8], "big", signed=True)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def mask_id_card(value: str | None) -> str | None:
    if value is None:
        return None
    n = len(value)
    return "*" * n if n <= 10 else value[:6] + "*" * (n - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if value is None:
        return None
    n = len(value)
    return "*" * n if n <= 7 else value[:3] + "*" * (n - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    if value is None:
        return None
    return "*" * len(value) if len(value) <= 1 else value[0] + "*" * (len(value) - 1)


def name_grams(name: str) -> list[str]:
    """The distinct substrings of 2..GRAM_MAX characters of a normalised name."""
    seen: dict[str, None] = {}
    for size in range(2, min(GRAM_MAX, len(name)) + 1):
        for i in range(len(name) - size + 1):
            seen[name[i:i + size]] = None
    return list(seen)


def pack(*values: str | None) -> bytes:
    """The plaintext of a record: each value marked present (1) or NULL (0), joined by NUL (which
    PostgreSQL's text never holds)."""
    return "\0".join("0" if v is None else "1" + v for v in values).encode()


def unpack(plain: bytes) -> tuple[str | None, str | None, str | None]:
    id_card, name, phone = (None if p[:1] == "0" else p[1:] for p in plain.decode().split("\0"))
    return id_card, name, phone


class Sealer:
    """Seals records for one key ring: the encryption and the digests, with the digests of values
    seen before cached (a person scans many times; names share their characters)."""

    CACHE = 200_000

    def __init__(self, ring: KeyRing):
        self.ring = ring
        # the older version's own sealer: it opens its records and makes its digests for searches
        self.older = [Sealer(KeyRing(o.version, o.data_key, o.digest_key)) for o in ring.older]
        self.every = [self, *self.older]
        self._base = hmac.new(ring.digest_key, digestmod="sm3")
        self._algorithm = algorithms.SM4(ring.data_key)
        self._cache: dict[tuple[bytes, str], int] = {}
        self._grams: dict[str, list[int]] = {}
        self._raw: dict[tuple[str, str], int] = {}
        self._csv: dict[tuple, tuple] = {}

    def digest(self, domain: bytes, text: str) -> int:
        key = (domain, text)
        value = self._cache.get(key)
        if value is None:
            if len(self._cache) >= self.CACHE:
                self._cache.clear()
            value = self._cache[key] = _digest(self._base, domain, text)
        return value

    def id_digest(self, value: str | None) -> int | None:
        if value is None:
            return None
        found = self._raw.get(("I", value))   # as written (the normalising costs more than the lookup)
        if found is None:
            found = self._remember(("I", value), self.digest(b"I", norm_id(value)))
        return found

    def phone_digest(self, value: str | None) -> int | None:
        if value is None:
            return None
        found = self._raw.get(("P", value))
        if found is None:
            found = self._remember(("P", value), self.digest(b"P", norm_phone(value)))
        return found

    def _remember(self, key: tuple[str, str], value: int) -> int:
        if len(self._raw) >= self.CACHE:
            self._raw.clear()
        self._raw[key] = value
        return value

    def name_digests(self, value: str | None) -> list[int] | None:
        if value is None:
            return None
        name = norm_name(value)
        found = self._grams.get(name)
        if found is None:
            if len(self._grams) >= self.CACHE:
                self._grams.clear()
            found = self._grams[name] = [self.digest(b"N", g) for g in name_grams(name)]
        return found

    def aad(self, id_digest: int | None, phone_digest: int | None) -> bytes:
        return b"epi.scan v%d %s %s" % (self.ring.version, str(id_digest).encode(), str(phone_digest).encode())

    def seal(self, id_card: str | None, name: str | None, phone: str | None) -> tuple:
        """(personal, key_version, id_card_digest, phone_digest, name_grams, id_card_masked,
        person_name_masked, phone_masked) of one record: the columns of epi.scan in this order.
        A record with none of the three values stores none of them (all NULL)."""
        if id_card is None and name is None and phone is None:
            return (None,) * 8
        id_digest, phone_digest = self.id_digest(id_card), self.phone_digest(phone)
        return (self._encrypt(pack(id_card, name, phone), self.aad(id_digest, phone_digest)), self.ring.version,
                id_digest, phone_digest, self.name_digests(name), mask_id_card(id_card), mask_name(name),
                mask_phone(phone))

    def _encrypt(self, plain: bytes, aad: bytes, nonce: bytes | None = None) -> bytes:
        """nonce ‖ SM4-GCM ciphertext ‖ tag (a random nonce when none is given)."""
        nonce = nonce or os.urandom(NONCE)
        enc = Cipher(self._algorithm, modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(plain) + enc.finalize()
        return nonce + body + enc.tag

    def seal_csv(self, id_card: str | None, name: str | None, phone: str | None, nonce: bytes | None = None
                 ) -> tuple:
        """The same columns as text for a CSV COPY: bytea as \\x hex, the digests as decimal, the
        name's digests as an array literal. All but the ciphertext is kept per person (a person
        scans many times): the plaintext, its associated data and the other columns. ``nonce``:
        this record's (random, from the caller's batch of os.urandom; made here when None)."""
        if id_card is None and name is None and phone is None:
            return (None,) * 8
        person = (id_card, name, phone)
        kept = self._csv.get(person)
        if kept is None:
            id_digest, phone_digest, grams = self.id_digest(id_card), self.phone_digest(phone), self.name_digests(name)
            if len(self._csv) >= self.CACHE:
                self._csv.clear()
            kept = self._csv[person] = (
                pack(*person), self.aad(id_digest, phone_digest), str(self.ring.version), _text(id_digest),
                _text(phone_digest), None if grams is None else "{" + ",".join(map(str, grams)) + "}",
                mask_id_card(id_card), mask_name(name), mask_phone(phone))
        return ("\\x" + self._encrypt(kept[0], kept[1], nonce).hex(), *kept[2:])

    def open(self, personal: bytes | None, key_version: int | None, id_digest: int | None,
             phone_digest: int | None) -> tuple[str | None, str | None, str | None]:
        """(id_card, person_name, phone) of a sealed record, under its key version (the current one
        or the older one of a rotation). A ciphertext that fails its tag (changed, moved to another
        record, another key) raises KeyError_; it is never shown."""
        if personal is None:
            return None, None, None
        sealer = next((s for s in self.every if s.ring.version == key_version), None)
        if sealer is None:
            raise KeyError_(f"记录使用密钥版本 {key_version} 加密，本进程没有该版本的密钥"
                            f"（当前版本 {self.ring.version}）：请检查密钥来源后重启")
        personal = bytes(personal)
        nonce, body, tag = personal[:NONCE], personal[NONCE:-TAG], personal[-TAG:]
        dec = Cipher(sealer._algorithm, modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(sealer.aad(id_digest, phone_digest))
        try:
            plain = dec.update(body) + dec.finalize()
        except InvalidTag:
            raise KeyError_("个人信息密文校验失败（数据被改动，或密钥不是加密时的密钥），已拒绝显示") from None
        return unpack(plain)

    # what a search looks for: the digests under every version a record may be sealed under
    def id_digests(self, value: str | None) -> list[int] | None:
        return None if value is None else [s.id_digest(value) for s in self.every]

    def phone_digests(self, value: str | None) -> list[int] | None:
        return None if value is None else [s.phone_digest(value) for s in self.every]

    def name_queries(self, text: str | None) -> list[list[int]] | None:
        return None if text is None else [s.name_query(text) for s in self.every]

    def name_query(self, text: str) -> list[int]:
        """The digests a name containing ``text`` holds: the one digest of ``text`` itself when it is at
        most GRAM_MAX characters long (exact), else the digests of its GRAM_MAX-character pieces
        (a name holding them all but not ``text`` would have to repeat GRAM_MAX − 1 characters in a
        row: none of the demo's or the bench's names does, see tests/db/test_crypto.py)."""
        name = norm_name(text)
        if len(name) <= GRAM_MAX:
            return [self.digest(b"N", name)]
        return list(dict.fromkeys(self.digest(b"N", name[i:i + GRAM_MAX]) for i in range(len(name) - GRAM_MAX + 1)))


# ---- the process's key ring, checked against the database ----------------------------------------

_lock = threading.Lock()
_ring: KeyRing | None = None
_checked: set[tuple] = set()
_sealer: Sealer | None = None
_ring_config: object = None


def keyring() -> KeyRing:
    """The process's key ring, loaded once (again when the configuration changed: tests)."""
    global _ring, _sealer, _ring_config
    with _lock:
        cfg = config.current()
        if _ring is None or _ring_config is not cfg:
            _ring = load_keyring()
            _sealer = Sealer(_ring)
            _ring_config = cfg
        return _ring


def sealer() -> Sealer:
    keyring()
    assert _sealer is not None
    return _sealer


def reset() -> None:
    """Forget the process's keys (tests that change them)."""
    global _ring, _sealer
    with _lock:
        _ring, _sealer = None, None
        _checked.clear()


MISMATCH = ("个人信息加密密钥与数据库中的数据不匹配（密钥版本 {version} 的校验值不同）：请使用加密这些数据时的密钥"
            "（EPI_KEY_FILE、EPI_DATA_KEY/EPI_DIGEST_KEY 或 EPI_KEY_SOURCE），专区拒绝启动")


MISSING = ("缺少个人信息加密密钥版本 {versions}：数据库中仍有记录使用它（轮换尚未完成）。请在密钥来源中保留该版本，"
           "专区拒绝启动")


def _value(row):
    """The one value of a row, whichever row factory the connection has (tuples, or the web pool's dicts)."""
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def checked(conn) -> Sealer:
    """The process's sealer, its keys compared with the database's check values first (once per
    database and process): every version of the ring (the first process to use a version registers
    its check values, audited), and every version the data still needs (registered, not retired) must
    be in the ring. Raises KeyError_ otherwise."""
    ring = keyring()
    where = (conn.info.host, conn.info.port, conn.info.dbname, tuple(r.version for r in ring.versions))
    if where not in _checked:
        needed = _value(conn.execute("select epi.crypto_keys_needed()").fetchone())   # first: a refused process registers nothing
        missing = sorted(set(needed or ()) - {r.version for r in ring.versions})
        if missing:
            raise KeyError_(MISSING.format(versions="、".join(map(str, missing))))
        for version in ring.versions:
            verdict = _value(conn.execute("select epi.crypto_key_check(%s, %s, %s)",
                                          (version.version, *version.checks())).fetchone())
            if verdict not in ("ok", "registered"):
                raise KeyError_(MISMATCH.format(version=version.version))
        _checked.add(where)
    return sealer()


def check_at_start(url: str, log) -> None:
    """A process's start: the keys loaded (missing or malformed: KeyError_) and compared with the
    database at ``url`` (not the data's: KeyError_). A database that does not answer yet is only
    logged (as one not yet upgraded): the import checks again before it writes, and a reveal under a
    wrong key fails its tag."""
    import psycopg

    keyring()
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            checked(conn)
    except psycopg.Error as exc:
        log.warning("启动时无法核对个人信息加密密钥：%s", type(exc).__name__)
