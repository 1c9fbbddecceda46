"""The ops home shows the last re-reading of OA's organisation export (issue 26, point 9)."""
from __future__ import annotations

import datetime as dt

import psycopg


def test_the_ops_home_shows_the_last_refresh(ops, seeded_db):
    client, _ = ops
    assert 'id="units-refresh"' not in client.get("/").get_data(as_text=True)     # never refreshed: no card
    with psycopg.connect(seeded_db) as c:
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok, rows)"
                  " values ('units', %s, now(), now(), true, 2)", (dt.date.today(),))
    page = client.get("/").get_data(as_text=True)
    assert 'id="units-refresh"' in page and "最近一次从 OA 刷新监管单位：成功，2 个单位有变化" in page
