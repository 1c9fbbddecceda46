"""One object per file (CONVENTIONS 5): each file of db/functions and db/views creates one
function, procedure or view, the one its name says (schema.object.sql); a trigger function's file
may attach its trigger."""
from __future__ import annotations

import re
from pathlib import Path

DB = Path(__file__).resolve().parents[2] / "db"
CREATES = re.compile(r"^\s*create\s+(?:or\s+replace\s+)?(?:function|procedure|view|materialized\s+view)\s+"
                     r"([a-z_]+\.[a-z_0-9]+)", re.I | re.M)


def test_each_file_creates_the_one_object_it_is_named_after():
    wrong = {}
    for folder in ("functions", "views"):
        for path in sorted((DB / folder).glob("*.sql")):
            objects = {name.lower() for name in CREATES.findall(path.read_text(encoding="utf-8"))}
            if objects != {path.stem}:
                wrong[f"{folder}/{path.name}"] = sorted(objects)
    assert wrong == {}


def test_the_check_notices_a_second_object():
    text = "create or replace function epi.a() returns int language sql as $$ select 1 $$;\n" \
           "create or replace view epi.b as select 1;"
    assert {n for n in CREATES.findall(text)} == {"epi.a", "epi.b"}
