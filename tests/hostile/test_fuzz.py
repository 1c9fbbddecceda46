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
