"""Uploads are measured by what they inflate to (issue 44, point 4): a 20-row workbook whose sheet
inflates to 1 GB of spaces, its declared size patched to 10,000 in both zip headers, passed the
declared-size check and took 1.9 GB to import. Each entry's compressed bytes are now inflated once,
counted, and the read stops past the ratio no real sheet reaches or past EPI_MAX_UNCOMPRESSED_MB —
refused by the command line and the web page each in under 300 MB more memory than a good file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from loaders import files
from loaders.errors import LoadError
from tests.loaders import workbooks as wbk

ROOT = Path(__file__).resolve().parents[2]
MB = 1024   # ru_maxrss is in KiB on Linux


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return wbk.lying_zip_bomb(tmp_path_factory.mktemp("bomb") / "扫码记录.xlsx")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return wbk.xlsxwriter_book(tmp_path_factory.mktemp("good") / "扫码记录.xlsx",
                               {"Sheet1": wbk.rows_with_times([f"2022-03-04 08:{i:02d}" for i in range(20)])})


def test_the_declared_size_lies_and_the_inflated_bytes_are_counted(bomb):
    import zipfile

    with zipfile.ZipFile(bomb) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size == 10_000 and bomb.stat().st_size < 2 << 20      # the lie, and a small upload
    with pytest.raises(LoadError, match="工作簿解压后体积异常（疑似压缩炸弹），拒绝导入"):
        files.check_file(bomb)


def test_past_the_uncompressed_limit_the_read_stops(tmp_path, monkeypatch):
    """An honest-ratio workbook (random-ish text, ~4×) bigger inflated than the limit."""
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED_BYTES", 1 << 20)
    path = wbk.xlsxwriter_book(tmp_path / "大.xlsx", {"Sheet1": wbk.rows_with_times(
        [f"2022-03-04 08:{i % 60:02d}" for i in range(6000)])})
    with pytest.raises(LoadError, match="工作簿解压后超过 1 MB，请拆分后导入"):
        files.check_file(path)


def peak_kib(script: str, env: dict) -> tuple[int, str]:
    """Run ``script`` in a child and report that child's (and its children's) peak resident memory."""
    probe = textwrap.dedent(f"""
        import json, resource, subprocess, sys
        out = subprocess.run({script!r}, shell=True, capture_output=True, text=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({{"peak": peak, "out": out.stdout + out.stderr}}))
    """)
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    data = json.loads(res.stdout.strip().splitlines()[-1])
    return data["peak"], data["out"]


def test_the_command_line_refuses_it_in_bounded_memory(bomb, good, web):
    env = dict(os.environ, EPI_WEB_DATABASE_URL=web)
    cmd = f"{sys.executable} -m invoke load.scans '{{}}' --by ops.cli"
    base, out = peak_kib(cmd.format(good), env)
    assert "导入完成" in out, out
    peak, out = peak_kib(cmd.format(bomb), env)
    assert "疑似压缩炸弹" in out and "没有写入任何数据" in out, out
    assert peak - base < 300 * MB, (peak // MB, base // MB)


WEB_UPLOAD = """
import sys, time, re
sys.path.insert(0, {root!r})
from db import database
from tests.web.conftest import SECRET, ticket, OPS_MENUS
from web import create_app
app = create_app({{"TESTING": True, "OA_JWT_SECRET": SECRET, "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": False,
                  "DATABASE_WEB_URL": {web!r}, "UPLOAD_DIR": {uploads!r}}})
client = app.test_client()
client.get("/?ticket=" + ticket(sub="ops.li", unit="OPS", menus=OPS_MENUS))
token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/scan-admin").get_data(as_text=True)).group(1)
with open({path!r}, "rb") as f:
    res = client.post("/scan-admin/upload", data={{"csrf_token": token, "file": (f, "扫码记录.xlsx")}},
                      content_type="multipart/form-data")
job = res.headers["Location"].split("job=")[1]
for _ in range(600):
    state = client.get("/scan-admin/jobs/" + job).get_json()
    if state["state"] != "running":
        break
    time.sleep(0.2)
print(state["state"], state["message"])
"""


def test_the_web_page_refuses_it_in_bounded_memory(bomb, good, web, tmp_path):
    env = dict(os.environ)
    runs = {}
    for name, path in (("good", good), ("bomb", bomb)):
        script = tmp_path / f"{name}.py"
        script.write_text(WEB_UPLOAD.format(root=str(ROOT), web=web, uploads=str(tmp_path / name), path=str(path)),
                          encoding="utf-8")
        runs[name] = peak_kib(f"{sys.executable} {script}", env)
    assert runs["good"][1].startswith("done 导入完成"), runs["good"][1]
    assert runs["bomb"][1].startswith("failed ") and "疑似压缩炸弹" in runs["bomb"][1], runs["bomb"][1]
    assert runs["bomb"][0] - runs["good"][0] < 300 * MB, (runs["bomb"][0] // MB, runs["good"][0] // MB)
