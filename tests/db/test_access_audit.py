"""The audit log's writers (Personal data 1 of 3, point 3): the access entry's validating function,
the database's own entries for deletes and imports whatever path made them, and what a
connection's claims may and may not put into an entry."""
from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.conftest import as_admin, as_jobs, as_nobody, as_oa, as_ops, as_unit, attempt

HASH = "0f" * 32


def access(conn, action="scan.query", conditions=None, rows=1, hashes=None):
    return attempt(conn, "select epi.audit_scan_access(%s, %s, %s, %s)",
                   (action, Jsonb(conditions or {}), rows, hashes or []))


def last_entry(conn, action):
    as_admin(conn)
    conn.row_factory = psycopg.rows.dict_row
    try:
        return conn.execute("select * from epi.audit_log where action = %s order by audit_id desc limit 1",
                            (action,)).fetchone()
    finally:
        conn.row_factory = psycopg.rows.tuple_row


def test_an_access_entry_holds_masks_the_hashes_and_who_asked(conn, world):
    as_unit(conn, "T-A", account="a.zhang")
    conn.execute("select set_config('epi.name', '测试张', true), set_config('epi.menu', 'scan_query', true), "
                 "set_config('epi.client', '192.0.2.10', true)")
    assert access(conn, conditions={"id_card": "00000000000000000X", "phone": "14400009999", "person_name": "欧阳娜娜",
                                    "collected_from": "2022-03-01"}, rows=7, hashes=[HASH, "ab" * 32]) == 1
    entry = last_entry(conn, "scan.query")
    assert entry["detail"] == {"conditions": {"id_card": "000000********000X", "phone": "144****9999",
                                              "person_name": "欧***", "collected_from": "2022-03-01"}}
    assert (entry["account"], entry["account_name"], entry["unit_code"], entry["caller_kind"], entry["menu"],
            str(entry["client_addr"]), entry["row_count"], entry["subject_hashes"], entry["db_user"]) == \
        ("a.zhang", "测试张", "T-A", "unit", "scan_query", "192.0.2.10", 7, [HASH, "ab" * 32], "epi_web")


@pytest.mark.parametrize(("case", "action", "conditions", "rows", "hashes"), [
    ("another action", "venue.delete", {}, 0, []),
    ("no action", None, {}, 0, []),
    ("an unknown condition", "scan.query", {"detail": "forged"}, 0, []),
    ("a condition that is not text", "scan.query", {"venue_id": {"x": 1}}, 0, []),
    ("an over-long condition", "scan.query", {"venue_id": "V" * 201}, 0, []),
    ("a searched ID without its hash", "scan.query", {"id_card": "00000000000000000X"}, 0, []),
    ("a hash without a searched value", "scan.query", {"venue_id": "VA1"}, 0, [HASH]),
    ("a hash that is not one", "scan.query", {"phone": "14400009999"}, 0, ["14400009999"]),
    ("negative rows", "scan.query", {}, -1, []),
])
def test_an_access_entry_is_refused_when_its_arguments_are_not_what_a_query_gives(conn, world, case, action,
                                                                                 conditions, rows, hashes):
    as_ops(conn)
    err = access(conn, action, conditions, rows, hashes)
    assert isinstance(err, psycopg.errors.InvalidParameterValue), case
    assert last_entry(conn, action or "") is None


def test_only_people_acting_as_ops_or_a_unit_record_accesses(conn, world, oa_login_a):
    for who in (as_jobs, as_nobody, lambda c: as_oa(c, oa_login_a), lambda c: as_unit(c, "")):
        who(conn)
        assert isinstance(access(conn), psycopg.errors.InsufficientPrivilege)
    as_nobody(conn)
    assert isinstance(attempt(conn, "select epi_private.write_audit('forged')"), psycopg.errors.InsufficientPrivilege)
    as_ops(conn)
    assert isinstance(attempt(conn, "select epi_private.write_audit('forged')"), psycopg.errors.InsufficientPrivilege)
    assert isinstance(attempt(conn, "select epi.audit('forged', '{}')"), psycopg.errors.UndefinedFunction)


def test_a_hand_typed_delete_by_ops_is_audited_with_its_count(conn, world):
    as_ops(conn, account="ops.wang")
    assert attempt(conn, "delete from epi.scan where venue_id = 'nothing'") == 0
    assert last_entry(conn, "scan.delete") is None            # nothing deleted, nothing to record
    as_ops(conn, account="ops.wang")
    assert attempt(conn, "delete from epi.scan where venue_id in ('VA1', 'VB1')") == 4
    entry = last_entry(conn, "scan.delete")
    assert (entry["account"], entry["caller_kind"], entry["row_count"]) == ("ops.wang", "ops", 4)
    assert entry["detail"]["batches"] == [{"batch_id": world["batch"], "rows": 4}]
    assert entry["detail"]["collected_min"].startswith("2022-03-01")


def test_a_truncate_by_a_dba_is_audited(conn, world):
    as_admin(conn)
    conn.execute("select set_config('epi.account', 'dba.zhou', true)")
    conn.execute("truncate epi.scan")
    entry = last_entry(conn, "scan.delete")
    assert entry["account"] == "dba.zhou" and entry["detail"]["truncate"] is True and entry["caller_kind"] is None


def test_a_finished_import_batch_is_audited_whoever_wrote_it(conn, world):
    assert last_entry(conn, "scan.import")["detail"]["batch_id"] == world["batch"]   # made with its rows
    as_ops(conn, account="ops.wang")
    batch = conn.execute("insert into epi.import_batch (file_name, file_hash, imported_by) values "
                         "('手工.xlsx', 'h1', 'ops.wang') returning batch_id").fetchone()[0]
    assert last_entry(conn, "scan.import")["detail"]["batch_id"] == world["batch"]   # opened: not yet
    as_ops(conn, account="ops.wang")
    conn.execute("update epi.import_batch set row_count = 5, collected_min = '2022-03-01 08:00+08', "
                 "collected_max = '2022-03-02 08:00+08' where batch_id = %s", (batch,))
    entry = last_entry(conn, "scan.import")
    assert entry["detail"]["batch_id"] == batch and entry["row_count"] == 5 and entry["detail"]["file_name"] == "手工.xlsx"


def test_a_connections_claims_cannot_break_or_fill_an_entry(conn, world):
    as_ops(conn)
    conn.execute("select set_config('epi.client', 'not an address', true), "
                 "set_config('epi.operation', '{not json', true), set_config('epi.menu', repeat('m', 500), true)")
    assert access(conn) == 1
    entry = last_entry(conn, "scan.query")
    # the unreadable claim is not taken: the connection's own address instead (none over a unix
    # socket; 127.0.0.1 over TCP, as to a Patroni cluster's multi-host string)
    assert entry["client_addr"] == conn.execute("select inet_client_addr()").fetchone()[0]
    assert entry["detail"]["operation"] == {"unreadable": True} and len(entry["menu"]) == 100
