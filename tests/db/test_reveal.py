"""epi.reveal_scan: one record in full, for a caller who may see it, after a reason, audited."""
from __future__ import annotations

import psycopg
import pytest

from core import crypto
from tests.conftest import SEALED_COLUMNS, as_auditor, as_jobs, as_oa, as_ops, as_unit, attempt, sealed
from tests.db.test_masking import WORLD_ID, WORLD_NAME, WORLD_PHONE

# what the functions return of the personal values (issue 49): the ciphertext, its key version and digests
OPENED = "personal, key_version, id_card_digest, phone_digest"


def opened(row, at: int) -> tuple:
    """The row with the 4 sealed columns from ``at`` replaced by the 3 values they hold."""
    return (*row[:at], *crypto.sealer().open(*row[at:at + 4]), *row[at + 4:])


def digests(id_card, phone, *rest):
    """export_scans_full's arguments as the web app passes them: the ID number and phone as digests."""
    sealer = crypto.sealer()
    return (sealer.id_digests((id_card and id_card.strip()) or None), sealer.phone_digests((phone and phone.strip()) or None),
            *rest)


def scan_of(conn, venue):
    return conn.execute("select min(scan_id) from epi.scan where venue_id = %s", (venue,)).fetchone()[0]


def reveal(conn, scan_id, reason):
    return [opened(r, 1) for r in conn.execute(f"select venue_id, {OPENED} from epi.reveal_scans(%s, %s)",
                                               ([scan_id], reason))]


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


EXPORT = f"select venue_id, {OPENED}, collected_at from epi.export_scans_full(%s::bigint[], %s::bigint[], %s, %s, %s, %s)"


def test_an_export_reveals_only_the_visible_records_newest_first(conn, world):
    as_unit(conn, "T-A", account="a.zhang")
    rows = [opened(r, 1) for r in conn.execute(EXPORT, digests(WORLD_ID, None, None, None, None, "导出核查"))]
    assert [r[0] for r in rows] == ["VA1", "VA2", "VA1"] and {r[1] for r in rows} == {WORLD_ID}
    assert [r[4] for r in rows] == sorted((r[4] for r in rows), reverse=True)
    as_auditor(conn)
    detail, rows = conn.execute("select detail, row_count from epi.audit_log where action = 'scan.export'").fetchone()
    assert detail["full"] is True and rows == 3 and detail["reason"] == "导出核查" and len(detail["scan_ids"]) == 3


def test_an_unmasked_export_records_its_conditions_masked(conn, world):
    as_unit(conn, "T-A", account="a.zhang")
    conn.execute("select * from epi.export_scans_full(%s::bigint[], null, 'VA1', null, null, '导出核查', %s, %s)",
                 (crypto.sealer().id_digests(WORLD_ID), psycopg.types.json.Jsonb({"id_card": WORLD_ID, "venue_id": "VA1"}), ["ab" * 32]))
    as_auditor(conn)
    detail, hashes = conn.execute("select detail, subject_hashes from epi.audit_log where action = 'scan.export'").fetchone()
    assert detail["conditions"] == {"id_card": "000000********000X", "venue_id": "VA1"} and hashes == ["ab" * 32]
    assert WORLD_ID not in str(detail) and len(detail["scan_ids"]) == 2


NARROW = "导出完整信息须按精确的被采集人身份证或联系电话，或一个公共场所ID加不超过 24 小时的采集时间范围"


@pytest.mark.parametrize("condition", [
    (None, None, None, None, None),                                          # everything the unit has
    (None, None, "VA1", None, None),                                         # a venue's whole history
    (None, None, "VA1", "2022-03-01 00:00+08", "2022-03-02 00:00:01+08"),    # a day and a second
    (None, None, None, "2022-03-01 00:00+08", "2022-03-01 12:00+08"),        # a window at every venue
    ("  ", "", "VA1", None, "2022-03-02 00:00+08"),
])
def test_an_unmasked_export_is_narrow_or_refused(conn, world, condition):
    """Issue 42, point 1: one exact ID number or phone, or one venue within 24 hours — checked by
    the function that returns the rows, so no caller widens it; nothing is audited when refused."""
    as_unit(conn, "T-A", account="a.zhang")
    err = attempt(conn, EXPORT, digests(*condition, "导出核查"))
    assert (err.sqlstate, err.diag.message_primary, err.diag.column_name) == ("EP400", NARROW, "id_card")
    as_auditor(conn)
    assert conn.execute("select count(*) from epi.audit_log where action = 'scan.export'").fetchone()[0] == 0


def test_a_venue_within_24_hours_and_a_phone_are_narrow(conn, world):
    as_unit(conn, "T-A", account="a.zhang")
    rows = conn.execute(EXPORT, (None, None, "VA1", "2022-03-01 08:00+08", "2022-03-02 08:00+08", "核查")).fetchall()
    assert [r[0] for r in rows] == ["VA1"]
    rows = conn.execute(EXPORT, digests(None, WORLD_PHONE, None, None, None, "核查")).fetchall()
    assert sorted(r[0] for r in rows) == ["VA1", "VA1", "VA2"]    # the unit's own records only
    as_unit(conn, "T-B", account="b.li")
    assert conn.execute(EXPORT, (None, None, "VA1", "2022-03-01 08:00+08", "2022-03-02 08:00+08", "核查")).fetchall() == []


def test_an_unmasked_export_has_at_most_5000_rows(conn, world):
    as_ops(conn, account="ops.li")
    batch = conn.execute("select min(batch_id) from epi.import_batch").fetchone()[0]
    conn.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                     select 'VA1', {sealed('11111111111111111X', '测试甲', '14400000001')}, '2022-03-05 00:00+08'::timestamptz
                           + g * interval '1 second', %s, 'x' from generate_series(1, 5001) g""", (batch,))
    as_unit(conn, "T-A", account="a.zhang")
    err = attempt(conn, EXPORT, digests("11111111111111111X", None, None, None, None, "核查"))
    assert (err.sqlstate, err.diag.message_primary) == ("EP400", "符合条件的记录超过 5000 条，请缩小范围后再导出完整信息")
    rows = conn.execute(EXPORT, digests("11111111111111111X", None, None, "2022-03-05 00:00+08", "2022-03-05 01:00+08", "核查"))
    assert len(rows.fetchall()) == 3599


def test_a_reveal_is_one_record(conn, world):
    """The export of full values is epi.export_scans_full's alone: no list of ids through a reveal."""
    ids = [r[0] for r in conn.execute("select scan_id from epi.scan where venue_id = 'VA1' order by scan_id")]
    as_unit(conn, "T-A", account="a.zhang")
    for statement, params in (("select * from epi.reveal_scans(%s, '核查')", (ids,)),
                              ("select * from epi.reveal_scans(%s, '核查', true)", (ids[:1],))):
        err = attempt(conn, statement, params)
        assert (err.sqlstate, err.diag.message_primary) == ("22023", "一次只能查看一条记录的完整信息")


