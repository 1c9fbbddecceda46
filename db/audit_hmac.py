"""The keyed hash (HMAC-SHA256) of a searched 被采集人身份证 or 联系电话 that an access entry holds
instead of the value (SPEC sections 3 and 7): an auditor who is given a person's ID number
computes the same hash and finds who searched for them; the log itself holds no number, and
without the key nobody can test guesses against it (an ID number has few enough possible values
that a plain hash would not hide it).

The key is ``EPI_AUDIT_HMAC_KEY`` (at least 32 characters; required with EPI_PRODUCTION=1). It
never enters the database. Without it (development, tests, the demo) a key is made once and kept
in ``var/audit-hmac.key`` (mode 0600), so hashes stay comparable across restarts. Changing the key
makes earlier entries unsearchable by person: keep it like the other secrets.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from core import config
from db import database

ENV = "EPI_AUDIT_HMAC_KEY"
MIN_LENGTH = 32


class AuditKeyError(RuntimeError):
    pass


def key() -> bytes:
    """The HMAC key: the environment's, else the var directory's (made on first use)."""
    value = config.current().audit_hmac_key   # at least 32 characters (core.config checks it)
    if value:
        return value.encode()
    path = database.VAR / "audit-hmac.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def normalised(value: str) -> str:
    """The form that is hashed: as searched (which matches the stored value exactly), trimmed,
    with a lower-case check letter x made upper-case as ID numbers are written."""
    return value.strip().upper()


def subject_hash(value: str) -> str:
    """HMAC-SHA256 (hex) of a searched ID number or phone."""
    return hmac.new(key(), normalised(value).encode(), hashlib.sha256).hexdigest()
