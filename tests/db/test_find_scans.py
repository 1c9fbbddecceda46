"""epi.find_scans, the tracing searches (issue 22, point 1): one person by full 被采集人身份证 or
联系电话, 被采集人 contains 2 characters or more — each answered by its index, on any database ctype
(a C-ctype database too: the name's pieces are cut by characters, in Python), and never beyond the
caller's unit. Since issue 49 the searches match keyed digests (core/crypto.py), made here as the
web app makes them (web.queries.personal_digests)."""
from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from psycopg import sql

from core import crypto
from db import database, upgrade
from tests.conftest import (
    FIND_SCANS,
    SEALED_COLUMNS,
    TEST_PREFIX,
    as_ops,
    as_owner,
    as_unit,
    attempt,
    build_world,
    drop_database,
    quiet,
    sealed,
)
from web.queries import personal_digests

PEOPLE = [  # (venue, id_card, name, phone): obviously fake — the ID numbers fail the checksum
    ("VA1", "00000000000000001X", "测试甲乙", "10000000001"),
    ("VA2", "00000000000000002X", "测乙甲", "10000000002"),
    ("VB1", "00000000000000003X", "测试丙", "10000000003"),
    ("VB1", "00000000000000001X", "测试甲乙", "10000000001"),   # the first person, at unit B's venue too
]


def add_people(conn) -> None:
    as_ops(conn)
    batch = conn.execute("select max(batch_id) from epi.import_batch").fetchone()[0]
    for venue, id_card, name, phone in PEOPLE:
        conn.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                         values (%s, {sealed(id_card, name, phone)}, '2022-03-05 10:00+08', %s, 'ops.tester')""",
                     (venue, batch))


def found(conn, id_card=None, phone=None, name=None) -> list[str]:
    rows = conn.execute(f"""select s.venue_id from {FIND_SCANS} f
                              join oa.scan s using (collected_at, scan_id) order by 1""",
                        personal_digests(id_card, phone, name))
    return [r[0] for r in rows]


@pytest.mark.parametrize("search, ops, unit_a", [
    ({"id_card": "00000000000000001X"}, ["VA1", "VB1"], ["VA1"]),
    ({"phone": "10000000002"}, ["VA2"], ["VA2"]),
    ({"name": "甲乙"}, ["VA1", "VB1"], ["VA1"]),           # two characters: one pair
    ({"name": "乙甲"}, ["VA2"], ["VA2"]),                  # the pair's order counts
    ({"name": "测试甲"}, ["VA1", "VB1"], ["VA1"]),         # three: the substring's own digest
    ({"name": "甲测试"}, [], []),
    ({"name": "测试甲乙"}, ["VA1", "VB1"], ["VA1"]),       # the whole name
    ({"name": "测试甲乙丙"}, [], []),                      # longer than every name
    ({"name": "测试丙"}, ["VB1"], []),                     # unit B's person is not found by unit A
    ({"id_card": "00000000000000001X", "name": "甲乙"}, ["VA1", "VB1"], ["VA1"]),
    ({"phone": "10000000001", "name": "试甲"}, ["VA1", "VB1"], ["VA1"]),  # a further condition: a filter
    ({"phone": "10000000001", "name": "试丙"}, [], []),
    ({"id_card": "99999999999999999X"}, [], []),
])
def test_each_search_finds_the_visible_matches(conn, world, search, ops, unit_a):
    add_people(conn)
    as_ops(conn)
    assert found(conn, **search) == ops
    as_unit(conn, "T-A")
    assert found(conn, **search) == unit_a


def test_a_name_needs_two_characters(conn, world):
    as_unit(conn, "T-A")
    for params in (personal_digests(None, None, "甲"), personal_digests(None, "10000000001", "甲"),
                   personal_digests(None, None, "甲") | {"find_name_chars": None}):
        err = attempt(conn, f"select * from {FIND_SCANS}", params)
        assert (err.sqlstate, err.diag.column_name, err.diag.message_primary) == ("EP400", "person_name", "被采集人请至少输入2个字")


def test_name_pieces_are_cut_by_characters():
    assert crypto.name_grams("测试甲") == ["测试", "试甲", "测试甲"]
    assert crypto.name_grams("测测测") == ["测测", "测测测"]
    assert crypto.name_grams("甲") == [] and crypto.name_grams("") == []
    assert len(crypto.name_grams("一二三四五六七八")) == 7 + 6 + 5 + 4 + 3   # 2..6 characters


DIGESTS = personal_digests("00000000000000001X", "10000000001", "甲乙")


@pytest.mark.parametrize("search, index", [
    (f"id_card_digest = any ('{{{DIGESTS['find_id_card'][0]}}}'::bigint[])", "id_card_digest"),
    (f"phone_digest = any ('{{{DIGESTS['find_phone'][0]}}}'::bigint[])", "phone_digest"),
    (f"name_grams operator(epi.@>) '{{{DIGESTS['find_name'][0]}}}'::bigint[]", "name_grams"),
])
def test_each_search_is_answered_by_its_index_under_the_policies(conn, world, search, index):
    """As the owner (what epi.find_scans runs as; epi.scan's RLS is forced): the search is an index
    condition ahead of the policy's, not a filter after it — a non-leakproof operator would be."""
    add_people(conn)
    as_owner(conn)
    conn.execute("set local enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.execute(f"explain select scan_id from epi.scan where {search}"))
    assert "Seq Scan" not in plan and index in plan, plan


@pytest.fixture
def c_ctype_db(cluster_url):
    """A database whose ctype and collation are C (where pg_trgm cannot read CJK), upgraded."""
    name = f"{TEST_PREFIX}_cctype_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(database.with_params(cluster_url, dbname="postgres"), autocommit=True) as c:
        c.execute(sql.SQL("create database {} template template0 encoding 'UTF8' locale_provider libc "
                          "lc_collate 'C' lc_ctype 'C'").format(sql.Identifier(name)))
    url = database.with_params(cluster_url, dbname=name)
    upgrade.upgrade(url, echo=quiet)
    yield url
    drop_database(url)


def test_a_name_is_found_in_a_c_ctype_database(c_ctype_db):
    with psycopg.connect(c_ctype_db) as c:
        assert c.execute("select datctype from pg_database where datname = current_database()").fetchone()[0] == "C"
        build_world(c)
        add_people(c)
        as_unit(c, "T-A")
        assert found(c, name="甲乙") == ["VA1"] and found(c, name="测试甲") == ["VA1"] and found(c, name="试丙") == []
        as_ops(c)
        assert found(c, name="试丙") == ["VB1"]
