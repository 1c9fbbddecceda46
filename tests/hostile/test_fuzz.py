"""Hostile files: the import reader fuzzed with hypothesis (tests/hostile/fuzz_import.py) in a child
process whose address space is capped, so that an input that makes memory run away fails the test
instead of the machine. XML entity bombs and zip bombs have their own tests in
tests/loaders/test_scan_import.py (test_xml_entity_bomb_is_not_expanded,
test_hostile_or_broken_xlsx_gets_a_clear_message)."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from db import database

ROOT = Path(__file__).resolve().parents[2]
CAP_BYTES = 3 << 30          # address space of the child: 3 GiB (a 200k-row import peaks near 0.5 GiB RSS)
EXAMPLES = int(os.environ.get("EPI_FUZZ_EXAMPLES", "120"))


def _cap():
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def test_every_malformed_workbook_or_csv_is_refused_clearly_or_imported_correctly(fresh_db, tmp_path):
    web = database.web_url(database.database_name(fresh_db))
    proc = subprocess.run([sys.executable, "-m", "tests.hostile.fuzz_import", web, fresh_db, str(tmp_path),
                           str(EXAMPLES)], cwd=ROOT, capture_output=True, text=True, timeout=1200,
                          preexec_fn=_cap, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert "OUTCOMES" in proc.stdout
    refused, imported = (int(part.split("=")[1]) for part in proc.stdout.split("OUTCOMES")[1].split())
    # the fuzzer reached both outcomes, so it is not only feeding files that fail at the first check
    assert refused > 0 and imported > 0, proc.stdout


# --- what the fuzzer found, kept as plain regression tests ------------------------------------

def damaged_xls(path: Path) -> Path:
    """The generated .xls with 10 bytes changed (seed 109): calamine's OLE2 reader then aborts the
    whole process (an allocation of terabytes) instead of raising."""
    from tests.hostile.fuzz_import import XLS, flipped

    path.write_bytes(flipped(XLS, 109, 10))
    return path


def test_an_xls_that_aborts_the_reader_is_refused_and_the_process_lives(fresh_db, tmp_path):
    path = damaged_xls(tmp_path / "损坏.xls")
    web = database.web_url(database.database_name(fresh_db))
    code = ("from loaders import scans\nfrom loaders.errors import LoadError\n"
            f"try:\n    scans.import_scans({str(path)!r}, by='ops', url={web!r})\n"
            "except LoadError as exc:\n    print('REFUSED', exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]   # without the probe: -6 (SIGABRT), the web server gone
    assert "REFUSED" in proc.stdout and "损坏.xls" in proc.stdout and "文件已损坏" in proc.stdout


def test_a_row_without_its_venue_id_is_named_and_nothing_is_written(fresh_db, tmp_path):
    from loaders import scans
    from loaders.errors import LoadError

    path = tmp_path / "无场所.csv"
    path.write_text("公共场所ID,公共场所,类别,所在市区,所在街道,公共场所管理员,被采集人身份证,被采集人,联系电话,采集结果,"
                    "核酸结果,核酸结果时间,健康码状态,采集人所在位置,采集时间\n"
                    "V1,测试场所,商场,开平市,长沙街道,测试管理员,,测试甲,,已采集,阴性,,绿码,,2022-03-04 08:00\n"
                    ",测试场所,商场,开平市,长沙街道,测试管理员,,测试乙,,已采集,阴性,,绿码,,2022-03-04 09:00\n",
                    encoding="utf-8")
    web = database.web_url(database.database_name(fresh_db))
    with pytest.raises(LoadError) as info:
        scans.import_scans(path, by="ops", url=web)
    assert "第 3 行" in str(info.value) and "A 列“公共场所ID”" in str(info.value) and "为空" in str(info.value)
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select count(*) from epi.scan").fetchone()[0] == 0
