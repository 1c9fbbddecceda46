"""epi.frontdb_sync_enabled: the one answer to "is the front-database sync on?" (the scan trigger,
the month drop, the sync's batches, the sync and the import page ask it)."""
from __future__ import annotations

import psycopg
import pytest

from tests.conftest import as_admin, as_jobs, as_nobody, as_ops, as_unit, attempt


@pytest.mark.parametrize("become", [as_ops, lambda c: as_unit(c, "T-A"), as_jobs])
def test_every_runtime_kind_reads_the_switch(conn, world, become):
    become(conn)
    assert conn.execute("select epi.frontdb_sync_enabled()").fetchone()[0] is False
    as_admin(conn)
    conn.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
    become(conn)
    assert conn.execute("select epi.frontdb_sync_enabled()").fetchone()[0] is True


def test_a_caller_without_identity_cannot_call_it(conn, world):
    as_nobody(conn)

    assert isinstance(attempt(conn, "select epi.frontdb_sync_enabled()"), psycopg.errors.InsufficientPrivilege)
