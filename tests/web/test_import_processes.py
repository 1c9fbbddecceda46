"""Web imports in the database (issue 26, point 6): two web processes behind one proxy — an import
started on one is followed from the other; the process that runs it is killed mid-import, and the
import is failed with a message (at once for the other process, and at the killed one's next start),
nothing of it written, its upload removed. Real processes (waitress), real signals."""
from __future__ import annotations

import csv
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from db import database
from loaders import scans as scan_loader
from tests.web.conftest import OPS_MENUS, SECRET, ticket
from web.import_jobs import ABANDONED

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000     # 8 chunks: long enough to be killed half-way on our machines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, seeded_db: str, var: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, EPI_OA_JWT_SECRET=SECRET, EPI_SECRET_KEY="same-key-for-both-processes",
                   EPI_COOKIE_SECURE="0", EPI_VAR_DIR=str(var),
                   EPI_WEB_DATABASE_URL=database.web_url(database.database_name(seeded_db)))
        code = f"from web import create_app, server; server.serve(create_app(), '127.0.0.1', {self.port})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("the web process did not start: " + (self.proc.stderr.read() or ""))

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


@pytest.fixture
def big_csv(tmp_path):
    path = tmp_path / "大文件.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(scan_loader.LABELS)
        for i in range(ROWS):
            w.writerow(["VA1", "测试场所甲一", f"00000000000000{i % 1000:03d}X", "测试人", "14400009999",
                        "开平市", "长沙街道", "", "", "", "", "", "", "", f"2022-03-{1 + i % 28:02d} 08:{i % 60:02d}:00"])
    return path


def test_an_import_survives_the_death_of_its_process_as_a_failure(seeded_db, tmp_path, big_csv):
    var = tmp_path / "var"
    a, b = Server(seeded_db, var), Server(seeded_db, var)
    try:
        with psycopg.connect(seeded_db) as c:
            before = c.execute("select count(*) from epi.scan").fetchone()[0]
        browser = requests.Session()          # one browser, behind one proxy: either process answers
        res = browser.get(a.base + "/?ticket=" + ticket(sub="ops.li", unit="T-OPS", menus=OPS_MENUS), timeout=30)
        assert res.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(a.base + "/scan-admin").text).group(1)
        with big_csv.open("rb") as f:
            res = browser.post(a.base + "/scan-admin/upload", data={"csrf_token": token},
                               files={"file": ("大文件.csv", f, "text/csv")}, allow_redirects=False, timeout=120)
        assert res.status_code == 302, res.text
        job_id = res.headers["Location"].split("job=")[1]
        deadline = time.monotonic() + 120
        while True:                           # followed from the other process
            job = browser.get(f"{b.base}/scan-admin/jobs/{job_id}", timeout=30).json()
            if job["state"] != "running" or job["written"] > 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert job["state"] == "running" and 0 < job["written"] < ROWS, job
        assert "已写入" in job["line"]
        uploads = list((var / "uploads").iterdir())
        assert len(uploads) == 1
        a.stop(signal.SIGKILL)                # mid-import
        deadline = time.monotonic() + 30
        while (job := browser.get(f"{b.base}/scan-admin/jobs/{job_id}", timeout=30).json())["state"] == "running":
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["state"] == "failed" and job["message"] == ABANDONED
        assert ABANDONED in browser.get(b.base + "/scan-admin", timeout=30).text
        with psycopg.connect(seeded_db) as c:  # nothing of it written
            assert c.execute("select count(*) from epi.scan").fetchone()[0] == before
            assert c.execute("select count(*) from epi.import_batch where file_name = '大文件.csv'").fetchone()[0] == 0
            assert c.execute("select state from epi.import_job where job_id = %s", (job_id,)).fetchone()[0] == "failed"
        assert uploads[0].exists()            # the dead process's upload is still on disk …
        a = Server(seeded_db, var)            # … until a web process starts again
        assert not uploads[0].exists() and list((var / "uploads").iterdir()) == []
    finally:
        a.stop()
        b.stop()


def test_a_process_that_restarts_marks_its_dead_imports_failed(seeded_db, tmp_path):
    """With no other process polling, the next start marks the job failed."""
    with psycopg.connect(database.web_url(database.database_name(seeded_db))) as c, \
            database.acting_as(c, kind="ops", account="ops.li"):
        c.execute("insert into epi.import_job (job_id, file_name, imported_by) values ('00000000deadbeef', 'x.csv', 'ops.li')")
    server = Server(seeded_db, tmp_path / "var")
    try:
        with psycopg.connect(seeded_db) as c:
            state, message = c.execute("select state, message from epi.import_job where job_id = '00000000deadbeef'"
                                       ).fetchone()
        assert (state, message) == ("failed", ABANDONED)
    finally:
        server.stop()
