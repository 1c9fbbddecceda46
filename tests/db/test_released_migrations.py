"""Versioned migrations are frozen once released (CONVENTIONS, Flyway): db/migrations/released.sha256
holds the SHA-256 of every migration file that has been released (db/schema/*.sql and their
alembic revisions). A released file that changes fails here: the change goes into a new migration.
A new migration is added to the list when it is released (`cd db && sha256sum FILE >> migrations/released.sha256`)."""
from __future__ import annotations

import hashlib
from pathlib import Path

DB = Path(__file__).resolve().parents[2] / "db"
RELEASED = DB / "migrations" / "released.sha256"


def released() -> dict[str, str]:
    lines = RELEASED.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines if line.strip())}


def test_no_released_migration_changed():
    changed = [name for name, digest in released().items()
               if not (DB / name).is_file() or hashlib.sha256((DB / name).read_bytes()).hexdigest() != digest]
    assert changed == [], f"released migrations changed or removed (put the change in a new migration): {changed}"


def test_every_migration_of_this_release_is_listed_in_pairs():
    """Each listed schema file has its revision listed too, and every revision before the newest listed one is."""
    names = set(released())
    schemas = sorted(n for n in names if n.startswith("schema/"))
    revisions = sorted(n for n in names if n.startswith("migrations/versions/"))
    assert [Path(n).stem[:4] for n in schemas] == [Path(n).stem[:4] for n in revisions]
    on_disk = sorted(p.name for p in (DB / "schema").glob("*.sql"))
    newest = Path(schemas[-1]).name
    assert [f"schema/{n}" for n in on_disk if n <= newest] == schemas
