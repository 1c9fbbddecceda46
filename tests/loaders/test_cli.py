"""The command line is a thin wrapper: the same loaders, messages on stderr, exit codes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from loaders.templates import write_templates
from tests.loaders import workbooks as wbk

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args, env_url, stdin=None):
    env = dict(os.environ, EPI_WEB_DATABASE_URL=env_url)
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, text=True, check=False,
                          capture_output=True, input=stdin, timeout=120)


def test_load_scans_and_delete_from_the_command_line(tmp_path, web, admin):
    path = wbk.csv_file(tmp_path / "cli.csv", wbk.rows_with_times(["2022-03-04 08:00", "2022-03-05 08:00"]))
    done = invoke("load.scans", str(path), "--by", "ops.cli", env_url=web)
    assert done.returncode == 0, done.stderr
    assert "导入完成" in done.stdout and "共 2 条" in done.stdout
    assert "\r" not in done.stderr and "%|" not in done.stderr   # not a terminal: no progress bar (tqdm)
    again = invoke("load.scans", str(path), "--by", "ops.cli", env_url=web)
    assert again.returncode == 2 and "已导入过" in again.stderr and "--force" in again.stderr
    # no terminal and no --yes: nothing is deleted
    refused = invoke("scans.delete", "--collected", "2022-03-04..2022-03-04", "--by", "ops.cli", env_url=web)
    assert refused.returncode == 2 and "共 1 条" in refused.stdout and "需要确认" in refused.stderr
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 2
    deleted = invoke("scans.delete", "--collected", "2022-03-04..2022-03-04", "--by", "ops.cli", "--yes", env_url=web)
    assert deleted.returncode == 0 and "已删除 1 条记录" in deleted.stdout
    assert admin.execute("select count(*) from epi.scan").fetchone()[0] == 1
    # one import, by its batch number (as the history's 删除本次导入)
    batch = admin.execute("select batch_id from epi.import_batch").fetchone()[0]
    assert invoke("scans.delete", "--batch", "x1", "--by", "ops.cli", "--yes", env_url=web).returncode == 2
    assert invoke("scans.delete", "--batch", str(batch), "--collected", "2022-03-04..2022-03-05", "--by", "ops.cli",
                  env_url=web).returncode == 2
    gone = invoke("scans.delete", "--batch", str(batch), "--by", "ops.cli", "--yes", env_url=web)
    assert gone.returncode == 0 and f"导入批次 {batch} 现存的扫码记录共 1 条" in gone.stdout and "已删除 1 条记录" in gone.stdout
    assert admin.execute("select count(*), sum(stored_rows) from epi.scan, epi.import_batch").fetchone()[0] == 0


def test_bad_file_exits_with_the_message(tmp_path, web):
    path = wbk.csv_file(tmp_path / "bad.csv", wbk.rows_with_times(["坏"]))
    res = invoke("load.scans", str(path), "--by", "ops", env_url=web)
    assert res.returncode == 2 and "第 2 行" in res.stderr and "Traceback" not in res.stderr


def test_templates_have_the_headers_and_a_filled_scan_template_imports(tmp_path, web, admin):
    from loaders import scans

    paths = write_templates(tmp_path / "tpl")
    assert sorted(p.name for p in paths) == ["场所信息导入模板.xlsx", "扫码进场信息导入模板.xlsx", "监管单位导入模板.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "tpl" / "扫码进场信息导入模板.xlsx")
    ws = wb.active
    assert [c.value for c in ws[1]] == scans.LABELS
    assert ws["A2"].number_format == "@"
    import datetime as dt

    ws.append([*wbk.ROW, dt.datetime(2022, 3, 4, 8, 0, 0)])
    wb.save(tmp_path / "filled.xlsx")
    scans.import_scans(tmp_path / "filled.xlsx", by="ops", url=web)
    assert admin.execute("select venue_id from epi.scan").fetchone()[0] == "0044078300001"
    venue_headers = [c.value for c in openpyxl.load_workbook(tmp_path / "tpl" / "场所信息导入模板.xlsx").active[1]]
    assert "监管单位负责人" not in venue_headers and "监管单位" in venue_headers
