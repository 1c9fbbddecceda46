"""The import page does not pile up results (issue 47, point 6): it shows the imports still running
and the latest result; older results are in the import history. The data calendar leaves days not
yet come blank (point 9), not 无数据."""
from __future__ import annotations

import datetime as dt
import re

import psycopg

from web.queries import today


def add_jobs(seeded_db, states):
    with psycopg.connect(seeded_db) as c:
        for i, state in enumerate(states):
            c.execute("insert into epi.import_job (job_id, file_name, imported_by, state, message, started_at, ended_at) "
                      "values (%s, %s, 'ops.li', %s, '测试', now() - make_interval(mins => %s), "
                      "case when %s <> 'running' then now() - make_interval(mins => %s) end)",
                      (f"abcdef0000{i:02d}", f"文件{i}.xlsx", state, 60 - i, state, 59 - i))


def test_only_the_running_imports_and_the_latest_result_are_shown(ops, seeded_db):
    client, _ = ops
    add_jobs(seeded_db, ["done", "failed", "done", "failed", "done", "failed"])   # the last one is the latest
    page = client.get("/scan-admin").get_data(as_text=True)
    assert re.findall(r'<div class="job" data-job="([^"]+)"', page) == ["abcdef000005"]


def test_a_future_day_is_blank_in_the_data_calendar(ops, seeded_db):
    client, _ = ops
    month = today().strftime("%Y-%m")
    page = client.get(f"/scan-admin?month={month}").get_data(as_text=True)
    calendar = re.search(r'<section class="panel" id="calendar">(.*?)</section>', page, re.S).group(1)
    tomorrow = today() + dt.timedelta(days=1)
    if tomorrow.month == today().month:
        assert f'<td class="future"><b>{tomorrow.day}</b></td>' in calendar
    assert f"<b>{today().day}</b><small>无数据</small>" in calendar               # today: no data yet
