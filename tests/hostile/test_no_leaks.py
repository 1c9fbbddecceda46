"""Issue 25, point 2: after hostile input, denied access, a shifted-column import, searches for a
person and a nightly run, no full ID number or phone of that person is in the app's log, the job
output, the audit log, the job records, any error shown, or the PostgreSQL server log written
meanwhile (read where the server is the embedded one; pgAudit's own log is a protected audit file,
not searched). The values are synthetic: the ID number fails the national checksum and the phone
is in the unused 100 range."""
from __future__ import annotations

import datetime as dt
import logging
import re

import psycopg
import pytest

from db import database
from jobs import gateways, runner
from tests.loaders import workbooks as wbk
from tests.web.conftest import OPS_MENUS, enter
from tests.web.test_modules import wait_job

FAKE_ID = "44078319800101999X"      # its check digit would be 1
FAKE_PHONE = "10098765432"
SECRETS = (FAKE_ID, FAKE_ID.lower(), FAKE_ID[:17], FAKE_PHONE)


def server_log_end() -> int | None:
    log = database.PGDATA / "log"
    return log.stat().st_size if log.is_file() else None


def server_log_since(offset: int | None) -> str:
    if offset is None:
        return ""
    with (database.PGDATA / "log").open("rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def own_condition_removed(page: str) -> str:
    """A page without the condition its user typed: in its input box and in the links that keep it
    (paging, sorting, export). Everything else on the page must not show the full values."""
    return re.sub(r'(href|value)="[^"]*"', "", page)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def person_in_data(seeded_db):
    """The person scanned at T-A's venue (so searches find a record and a reveal has one to refuse)."""
    from tests.conftest import SEALED_COLUMNS, as_ops, sealed

    with psycopg.connect(seeded_db) as c:
        as_ops(c)
        batch = c.execute("select batch_id from epi.import_batch limit 1").fetchone()[0]
        scan = c.execute(f"""insert into epi.scan (venue_id, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                             values ('VA1', {sealed(FAKE_ID, '测试泄', FAKE_PHONE)}, '2022-03-02 10:00+08', %s, 'ops.tester')
                             returning scan_id""", (batch,)).fetchone()[0]
        c.commit()
    return scan


def test_no_full_number_of_a_person_is_left_in_any_log_or_message(client, seeded_db, person_in_data, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    offset = server_log_end()
    shown = []

    # ops: a file whose columns slid (the person's numbers in 采集时间), a NUL in a condition
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    path = wbk.csv_file(tmp_path / "错位.csv", [[*wbk.ROW, FAKE_ID], [*wbk.ROW, FAKE_PHONE], [*wbk.ROW, "2022-03-09 08:00"]])
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), "错位.csv")})
    job = wait_job(client, res.headers["Location"].split("job=")[1])
    assert job["state"] == "failed" and "440783********999X" in job["message"]
    shown.append(job["message"])
    for url in (f"/scan-admin/scans?id_card={FAKE_ID}", f"/scan-admin/scans?phone={FAKE_PHONE}%00",
                f"/api/scans?id_card={FAKE_ID}&after=not-a-cursor", f"/api/scans?phone={FAKE_PHONE}'--"):
        shown.append(own_condition_removed(client.get(url).get_data(as_text=True)))

    # unit T-B looks the person up (finds nothing of T-A's) and tries to reveal T-A's record
    client.get("/?embed=0")
    token = enter(client, sub="b.li", unit="T-B")
    for url in (f"/scans?id_card={FAKE_ID}", f"/scans?phone={FAKE_PHONE}", f"/api/scans?id_card={FAKE_ID}"):
        assert client.get(url).status_code == 200
    res = client.post(f"/scans/{person_in_data}/reveal", data={"csrf_token": token, "reason": "测试查看他单位"})
    assert res.status_code in (403, 404)
    shown.append(res.get_data(as_text=True))

    # the nightly, its output through the log gateway
    said = []
    runs = runner.run("nightly", dt.date(2022, 3, 10), url=database.jobs_url(database.database_name(seeded_db)),
                      gateway=gateways.LogGateway())
    said += [str(r) for r in runs]

    with psycopg.connect(seeded_db) as c:
        audit = "\n".join(r[0] for r in c.execute("select a::text from epi.audit_log a"))
        job_runs = "\n".join(r[0] for r in c.execute("select j::text from epi.job_run j"))
        texts = "\n".join(r[0] for r in c.execute("select s::text from epi.sms_outbox s"))
    assert "scan.query" in audit  # the searches were audited (by keyed hash, not by value)
    found = {name: leaks(text) for name, text in (
        ("shown", "\n".join(shown)), ("app log", caplog.text), ("job output", "\n".join(said)),
        ("audit log", audit), ("job runs", job_runs), ("texts", texts), ("server log", server_log_since(offset)))}
    assert {k: v for k, v in found.items() if v} == {}
