"""The import reader under hostile input (hardening issue), driven by hypothesis.

Run by tests/hostile/test_fuzz.py in a child process whose address space is capped (RLIMIT_AS):
going past the cap fails the run instead of swapping the machine. Each example writes one file —
a CSV from arbitrary text and bytes, a valid .xlsx whose bytes, zip entries or XML are
mutated, or a valid legacy .xls with flipped bytes or cut short — and imports it with the real loader into a real database. The only acceptable
outcomes: the import's clear error (LoadError naming the file) with nothing written, or a
correct import (the rows it reports are the rows stored, in one batch). Anything else — another
exception, a traceback, an example slower than PER_EXAMPLE seconds — fails.

    python -m tests.hostile.fuzz_import WEB_URL ADMIN_URL WORKDIR EXAMPLES
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
import time
import zipfile
from pathlib import Path

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import database
from loaders import scans
from loaders.errors import LoadError
from loaders.scans import LABELS

PER_EXAMPLE = 20.0
ROW = ["4407830000X", "测试场所", "商场", "开平市", "长沙街道", "测试管理员", "44078319900101123X",
       "测试甲", "10012345678", "已采集", "阴性", "2022-03-04 10:00:00", "绿码", "开平市长沙街道"]

cell = st.one_of(
    st.text(max_size=40),                                                     # any unicode, NUL included
    st.sampled_from(["2022-03-04 08:00", "2022/3/4 8:00:00", "44625.5", "=1+1", "@SUM(A1)", "",
                     "\ufeff", "\x00", '"', '""', "\r\n", "2022-02-30 25:61", "9" * 400, "-1e308"]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=200_000),  # very long fields
)
header = st.one_of(st.just(LABELS), st.permutations(LABELS), st.lists(st.sampled_from([*LABELS, "", "备注", "x"]),
                                                                        max_size=20))
row = st.one_of(st.lists(cell, max_size=18), st.builds(lambda t: [*ROW, t], cell))


def xlsx_base() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("扫码")
    ws.write_row(0, 0, LABELS)
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r in range(1, 6):
        ws.write_row(r, 0, ROW)
        ws.write_datetime(r, 14, dt.datetime(2022, 3, 4, 8, r), fmt)
    wb.close()
    return out.getvalue()


def xls_base() -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("扫码")
    for c, label in enumerate(LABELS):
        ws.write(0, c, label)
    for r in range(1, 6):
        for c, value in enumerate([*ROW, "2022-03-04 08:00:00"]):
            ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


BASE = xlsx_base()
XLS = xls_base()
with zipfile.ZipFile(io.BytesIO(BASE)) as _z:
    ENTRIES = {i.filename: _z.read(i.filename) for i in _z.infolist()}


def flipped(base: bytes, seed: int, flips: int, cut: int | None = None) -> bytes:
    """``base`` cut short at ``cut`` (if given) with ``flips`` random bytes replaced."""
    rng = random.Random(seed)
    data = bytearray(base[:cut] if cut is not None else base)
    for _ in range(flips if data else 0):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


class Harness:
    def __init__(self, web: str, admin: str, work: Path):
        self.web, self.admin, self.work = web, admin, work
        self.n = 0
        self.outcomes = {"refused": 0, "imported": 0}

    def counts(self):
        with psycopg.connect(self.admin) as c:
            return c.execute("select (select count(*) from epi.scan), (select count(*) from epi.import_batch)"
                             ).fetchone()

    def check(self, data: bytes, suffix: str):
        self.n += 1
        path = self.work / f"fuzz-{self.n}{suffix}"
        path.write_bytes(data)
        before = self.counts()
        started = time.monotonic()
        try:
            result = scans.import_scans(path, by="fuzz", force=True, url=self.web)
        except LoadError as exc:
            assert path.name in str(exc) and "没有写入任何数据" in str(exc), str(exc)[:300]
            assert self.counts() == before, "a refused file left rows behind"
            self.outcomes["refused"] += 1
        else:
            with psycopg.connect(self.admin) as c:
                stored = c.execute("select count(*) from epi.scan where batch_id = %s", (result.batch_id,)).fetchone()[0]
                assert stored == result.rows, (stored, result.rows)
            with psycopg.connect(self.web) as c, database.acting_as(c, kind="ops", account="fuzz"):
                c.execute("delete from epi.scan where batch_id = %s", (result.batch_id,))   # keep the table small
            self.outcomes["imported"] += 1
        finally:
            path.unlink(missing_ok=True)
        took = time.monotonic() - started
        assert took < PER_EXAMPLE, f"one example took {took:.1f} s"


def main(web: str, admin: str, work: str, examples: int) -> None:
    h = Harness(web, admin, Path(work))
    common = settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))

    @common
    @given(header=header, rows=st.lists(row, max_size=12),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]),
           delimiter=st.sampled_from([",", ";", "\t"]), raw=st.booleans())
    def csv_files(header, rows, encoding, delimiter, raw):
        if raw:   # no quoting at all: broken quotes, stray delimiters, bare newlines
            text = "\n".join(delimiter.join(r) for r in [header, *rows])
        else:
            out = io.StringIO()
            csv.writer(out, delimiter=delimiter).writerows([header, *rows])
            text = out.getvalue()
        h.check(text.encode(encoding, errors="replace"), ".csv")

    @common
    @given(data=st.binary(max_size=4096), prefix=st.sampled_from([b"", b"\xef\xbb\xbf", "公共场所ID,".encode()]))
    def csv_bytes(data, prefix):
        h.check(prefix + data, ".csv")

    @common
    @given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40), cut=st.one_of(st.none(), st.integers(0, len(BASE))))
    def xlsx_bytes(seed, flips, cut):
        h.check(flipped(BASE, seed, flips, cut), ".xlsx")

    @common
    @given(entry=st.sampled_from(sorted(ENTRIES)), seed=st.integers(0, 2**32 - 1),
           insert=st.one_of(st.text(max_size=200).map(str.encode),
                            st.sampled_from([b"<", b"</row>", b"<c r=\"A1\" t=\"s\"><v>999999</v></c>",
                                             b'<c r="XFD1048577"><v>1</v></c>', b'<row r="0">', b"&amp;&#0;",
                                             b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', b"\x00\xff",
                                             b'<c r="A2" t="inlineStr"><is><t>' + b"x" * 100_000 + b"</t></is></c>",
                                             b'<dimension ref="A1:XFD1048576"/>'])),
           drop=st.booleans())
    def xlsx_xml(entry, seed, insert, drop):
        rng = random.Random(seed)
        entries = dict(ENTRIES)
        if drop and len(entries) > 1:
            del entries[entry]
        else:
            body = entries[entry]
            at = rng.randrange(len(body) + 1)
            cut = rng.choice([0, 0, rng.randrange(0, 50)])
            entries[entry] = body[:at] + insert + body[at + cut:]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, body in entries.items():
                z.writestr(name, body)
        h.check(out.getvalue(), ".xlsx")

    @common
    @given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 60), cut=st.one_of(st.none(), st.integers(0, len(XLS))))
    def xls_bytes(seed, flips, cut):
        h.check(flipped(XLS, seed, flips, cut), ".xls")

    for prop in (csv_files, csv_bytes, xlsx_bytes, xlsx_xml, xls_bytes):
        started = time.monotonic()
        prop()
        print(f"{prop.__name__}: {examples} examples in {time.monotonic() - started:.1f} s", flush=True)
    print(f"OUTCOMES refused={h.outcomes['refused']} imported={h.outcomes['imported']}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
