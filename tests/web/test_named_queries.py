"""The web app's SQL (issue 41, point 4): one file per blueprint under web/sql, shared.sql for what
several run, each query defined once and each one used."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from db import queries
from web.db import SQL

WEB = Path(__file__).resolve().parents[2] / "web"


def runs(name: str, text: str) -> bool:
    """Whether code runs the named query: SQL["name"], or "name" as an argument (one("name", …),
    listing.page_of(conn, "name", …)); not a row's or a dict's key of the same name."""
    return re.search(rf"""(SQL\[|\(|, |= ?)["']{name}["'](?!:)""", text) is not None


def test_every_named_query_is_used_by_the_web_app():
    code = "\n".join(p.read_text(encoding="utf-8") for p in WEB.glob("*.py"))
    unused = sorted(n for n in SQL if not runs(n, code))
    assert unused == []


def test_a_query_of_one_blueprint_is_run_by_that_blueprint_only():
    """A query of web/sql/<area>.sql is run by web/<area>.py (db.sql: web/db.py); one that another
    blueprint runs too belongs to shared.sql."""
    code = {p.stem: p.read_text(encoding="utf-8") for p in WEB.glob("*.py")}
    misplaced = []
    for path in (WEB / "sql").glob("*.sql"):
        if path.stem == "shared":
            continue
        for name in queries.load(path):
            users = sorted(m for m, text in code.items() if runs(name, text))
            if users != [path.stem]:
                misplaced.append((path.name, name, users))
    assert misplaced == []


def test_a_name_defined_in_two_files_is_refused(tmp_path):
    (tmp_path / "a.sql").write_text("-- name: same\nselect 1;\n", encoding="utf-8")
    (tmp_path / "b.sql").write_text("-- name: same\nselect 2;\n", encoding="utf-8")
    with pytest.raises(ValueError, match="query same is defined in another file"):
        queries.load_dir(tmp_path)
