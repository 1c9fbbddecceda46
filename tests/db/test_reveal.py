"""epi.reveal_scan: one record in full, for a caller who may see it, after a reason, audited."""
from __future__ import annotations

import psycopg

from tests.conftest import as_auditor, as_jobs, as_oa, as_unit, attempt
from tests.db.test_masking import WORLD_ID, WORLD_NAME, WORLD_PHONE


def scan_of(conn, venue):
    return conn.execute("select min(scan_id) from epi.scan where venue_id = %s", (venue,)).fetchone()[0]


def reveal(conn, scan_id, reason):
    return conn.execute("select venue_id, id_card, person_name, phone from epi.reveal_scans(%s, %s)",
                        ([scan_id], reason)).fetchall()


def test_a_unit_reveals_its_own_record_and_the_reveal_is_audited(conn, world):
    own, other = scan_of(conn, "VA1"), scan_of(conn, "VB1")
    as_unit(conn, "T-A", account="a.zhang")
    assert reveal(conn, own, "  核对入场人员身份  ") == [("VA1", WORLD_ID, WORLD_NAME, WORLD_PHONE)]
    assert reveal(conn, other, "核对入场人员身份") == []          # another unit's record does not exist
    as_auditor(conn)
    rows = conn.execute("select account, unit_code, caller_kind, row_count, detail from epi.audit_log "
                        "where action = 'scan.reveal'").fetchall()
    assert rows == [("a.zhang", "T-A", "unit", 1, {"scan_ids": [own], "rows": 1, "reason": "核对入场人员身份"})]


def test_the_reason_is_required_and_bounded(conn, world):
    own = scan_of(conn, "VA1")
    as_unit(conn, "T-A")
    invisible = ["\u200b\u200b", "\t\t", "\u00a0\u00a0", "\u202e\u202e", "\u2066\u2069", "\ufeff\u3000", "。，", "--"]
    for reason in (None, "", " 看 ", "x" * 201, *invisible, "\u200b看\u200b"):
        err = attempt(conn, "select * from epi.reveal_scans(%s, %s)", ([own], reason))
        assert (err.sqlstate, err.diag.message_primary, err.diag.column_name) == \
            ("EP400", "请填写查看事由（2–200 个字，其中至少 2 个汉字、字母或数字）", "reason"), repr(reason)
    for reason in ("x" * 200, "核查", "a1", " 核查\u200b", "Контакт"):
        assert attempt(conn, "select * from epi.reveal_scans(%s, %s)", ([own], reason)) == 1, repr(reason)


def test_only_ops_and_units_may_reveal(conn, world, oa_login_a):
    own = scan_of(conn, "VA1")
    as_jobs(conn)
    assert isinstance(attempt(conn, "select * from epi.reveal_scans(%s, 'x事由')", ([own],)), psycopg.errors.InsufficientPrivilege)
    as_oa(conn, oa_login_a)
    assert isinstance(attempt(conn, "select * from epi.reveal_scans(%s, 'x事由')", ([own],)), psycopg.errors.InsufficientPrivilege)


def test_an_export_reveals_only_the_visible_records_newest_first(conn, world):
    ids = [r[0] for r in conn.execute("select scan_id from epi.scan order by scan_id")]
    as_unit(conn, "T-A", account="a.zhang")
    rows = conn.execute("select venue_id, id_card, collected_at from epi.reveal_scans(%s, '导出核查', true)",
                        (ids,)).fetchall()
    assert [r[0] for r in rows] == ["VA1", "VA2", "VA1"] and {r[1] for r in rows} == {WORLD_ID}
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    as_auditor(conn)
    detail, rows = conn.execute("select detail, row_count from epi.audit_log where action = 'scan.export'").fetchone()
    assert detail["full"] is True and rows == 3 and detail["reason"] == "导出核查" and len(detail["scan_ids"]) == 3


def test_an_unmasked_export_records_its_conditions_masked(conn, world):
    ids = [r[0] for r in conn.execute("select scan_id from epi.scan order by scan_id")]
    as_unit(conn, "T-A", account="a.zhang")
    conn.execute("select * from epi.reveal_scans(%s, '导出核查', true, %s, %s)",
                 (ids, psycopg.types.json.Jsonb({"id_card": WORLD_ID, "venue_id": "VA1"}), ["ab" * 32]))
    as_auditor(conn)
    detail, hashes = conn.execute("select detail, subject_hashes from epi.audit_log where action = 'scan.export'").fetchone()
    assert detail["conditions"] == {"id_card": "000000********000X", "venue_id": "VA1"} and hashes == ["ab" * 32]
    assert WORLD_ID not in str(detail)
