"""Uploaded files hold full records (issue 25, point 1): written 0600 in a 0700 directory, deleted
when the import ends — done, refused as a duplicate, refused for bad rows — and swept at start-up
unless a running import holds them."""
from __future__ import annotations

import fcntl
import io
import os
import stat

import pytest
from werkzeug.datastructures import FileStorage

from tests.loaders import workbooks as wbk
from tests.web.test_modules import wait_job
from web import uploads


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_saved_upload_is_0600_in_a_0700_directory_and_locked(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    upload = uploads.save(FileStorage(io.BytesIO(b"a,b\n"), "x.csv"), folder, ".csv")
    assert (mode(folder), mode(upload.path), upload.path.read_bytes()) == (0o700, 0o600, b"a,b\n")
    with open(upload.path, "rb") as f, pytest.raises(BlockingIOError):
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while its import runs
    assert uploads.sweep(folder) == 0 and upload.path.exists()
    upload.discard()
    upload.discard()
    assert list(folder.iterdir()) == []


def test_the_sweep_deletes_leftovers_but_not_a_held_file(tmp_path):
    folder = uploads.folder(tmp_path / "uploads")
    (folder / "leftover.xlsx").write_bytes(b"records of a process that died")
    held = uploads.save(FileStorage(io.BytesIO(b"running"), "y.csv"), folder, ".csv")
    assert uploads.sweep(folder) == 1
    assert [p.name for p in folder.iterdir()] == [held.path.name]
    held.discard()


def test_the_app_sweeps_its_upload_directory_at_start_up(seeded_db, tmp_path):
    from db import database
    from tests.web.conftest import SECRET
    from web import create_app

    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "old.csv").write_text("身份证,00000000000000000X")
    app = create_app({"OA_JWT_SECRET": SECRET, "SECRET_KEY": "k" * 32, "UPLOAD_DIR": str(folder),
                      "DATABASE_WEB_URL": database.web_url(database.database_name(seeded_db))})
    app.extensions["epi_pool"].close()
    assert list(folder.iterdir()) == [] and mode(folder) == 0o700


def upload(client, token, path, name, **form):
    res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), name), **form})
    return res


def test_no_upload_is_left_on_disk_whatever_the_outcome(ops, app, tmp_path):
    client, token = ops
    folder = tmp_path / "uploads"
    good = wbk.csv_file(tmp_path / "好.csv", wbk.rows_with_times(["2022-03-09 08:00"]))
    bad = wbk.csv_file(tmp_path / "坏.csv", wbk.rows_with_times(["不是时间"]))
    for path, state in ((good, "done"), (good, "failed"), (bad, "failed")):  # done, duplicate, bad rows
        res = upload(client, token, path, path.name)
        job = wait_job(client, res.headers["Location"].split("job=")[1])
        assert job["state"] == state and "digest" not in job
        assert list(folder.iterdir()) == [], (path.name, state)


def test_confirming_a_duplicate_takes_the_same_file_only(ops, seeded_db, tmp_path):
    import psycopg

    client, token = ops
    first = wbk.csv_file(tmp_path / "一.csv", wbk.rows_with_times(["2022-03-09 08:00"]))
    other = wbk.csv_file(tmp_path / "二.csv", wbk.rows_with_times(["2022-03-10 08:00"]))
    wait_job(client, upload(client, token, first, "一.csv").headers["Location"].split("job=")[1])
    refused = upload(client, token, first, "一.csv").headers["Location"].split("job=")[1]
    assert wait_job(client, refused)["duplicate"]
    res = upload(client, token, other, "二.csv", force_of=refused)
    assert res.status_code == 400 and "内容不同" in res.get_data(as_text=True)
    assert list((tmp_path / "uploads").iterdir()) == []
    assert upload(client, token, first, "一.csv", force_of="nosuchjob").status_code == 404
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select count(*) from epi.scan where collected_at >= '2022-03-09'").fetchone()[0] == 1
