"""The fast path of the scan import for .xlsx files (issue 22, point 2): each sheet read once by
fastexcel (calamine's Arrow reader) into Arrow arrays, checked as whole columns, and handed to
PostgreSQL as CSV chunks written by Arrow — no Python object per cell.

It takes only files it can import exactly as the row-by-row reader (loaders.scans._read_rows)
would: every one of the 14 text columns holds text cells only (a number, date or boolean cell is
turned into text by core.common.to_text there), 采集时间 holds date cells (or text, parsed by the
same parse_collected_at), and nothing is wrong — no damaged identifier (scientific notation), no
missing 采集时间 or 公共场所ID, no time out of range, no header problem. Anything else returns
``None`` before a row is written, and the caller reads the file row by row, which names the sheet,
row and column of every problem in the same words as always. fastexcel decides a column's type from
all of its cells (``schema_sample_rows=None``) and refuses a column of mixed types
(``dtype_coercion="strict"``): that refusal is how a numeric cell among the text of 公共场所ID,
被采集人身份证 or 联系电话 (the damage the hardening issue refuses) sends the file to the row-by-row
reader, which names it.
"""
from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.common import EARLIEST, LATEST, BadTime, parse_collected_at
from core.crypto import NONCE
from db import vocabulary
from loaders.files import broken

log = logging.getLogger(__name__)

# the scan file's columns and checks, shared with the row-by-row reader (loaders.scans)
SCAN_COLUMNS = list(vocabulary.SCAN)
LABELS = list(vocabulary.SCAN.values())
TIME_LABEL = vocabulary.SCAN[vocabulary.SCAN_TIME]
TEXT_LABELS = [label for label in LABELS if label != TIME_LABEL]
# identifiers the province writes as text, which a spreadsheet program may have made numbers of
GUARDED_COLUMNS = ("venue_id", "id_card", "phone")
GUARDED_LABELS = [vocabulary.SCAN[c] for c in GUARDED_COLUMNS]
SCIENTIFIC = r"\s*[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*"   # a whole cell in scientific notation
UNNAMED = "__UNNAMED__"
# the CSV chunks' columns (the scan stage's, loaders/sql/stage.sql): the other 11 text columns and
# 采集时间, then the three personal values sealed (core/crypto.py, issue 49)
PERSONAL = ("id_card", "person_name", "phone")
SEALED = ("personal", "key_version", "id_card_digest", "phone_digest", "name_grams", "id_card_masked",
          "person_name_masked", "phone_masked")
CSV_COLUMNS = [c for c in SCAN_COLUMNS if c not in PERSONAL] + list(SEALED)   # fastexcel's name for a column whose header cell is empty


@dataclass
class ArrowSheet:
    """One sheet's records, checked: 14 text columns in vocabulary.SCAN order, then 采集时间 as an
    Asia/Shanghai timestamp; wholly empty rows already left out."""
    name: str
    table: object                      # pyarrow.Table
    ignored: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.table.num_rows

    def csv_chunks(self, size: int, sealer, spent: dict | None = None, first: int | None = None
                   ) -> Iterator[tuple[bytes, int, object, object]]:
        """(CSV bytes, rows, earliest, latest 采集时间) per chunk of ``size`` rows (``first``: the
        first chunks grow from this size, doubling up to ``size``; a rest of less than half a chunk
        goes with the last), in the scan stage's
        columns (loaders/sql/stage.sql): the 11 other text columns, 采集时间, then 被采集人身份证,
        被采集人 and 联系电话 sealed by ``sealer`` (core/crypto.py: ciphertext, key version, digests,
        masks). NULL is an empty field, an empty text never occurs (made NULL, as the row-by-row
        reader does). ``spent["encryption"]`` adds the seconds spent sealing and writing the CSV."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pcsv

        options = pcsv.WriteOptions(include_header=False)
        personal = [SCAN_COLUMNS.index(c) for c in PERSONAL]
        kept = [i for i in range(len(SCAN_COLUMNS)) if i not in personal]
        start, step, total = 0, min(first or size, size), self.table.num_rows
        while start < total:
            began = time.perf_counter()
            if total - start - step < step // 2:   # a small rest goes with this chunk (one statement less)
                step = total - start
            part = self.table.slice(start, step)
            start, step = start + step, min(step * 2, size)
            lo, hi = pc.min_max(part.column(len(SCAN_COLUMNS) - 1)).values()
            nonces = os.urandom(NONCE * part.num_rows)   # one random nonce a record, read at once
            sealed = zip(*map(sealer.seal_csv, *(part.column(i).to_pylist() for i in personal),
                              (nonces[k:k + NONCE] for k in range(0, len(nonces), NONCE))), strict=True) \
                if part.num_rows else [[] for _ in SEALED]
            columns = [part.column(i) for i in kept] + [pa.array(c, pa.string()) for c in sealed]
            table = pa.table(columns, names=CSV_COLUMNS)
            out = io.BytesIO()
            pcsv.write_csv(table, out, options)
            if spent is not None:
                spent["encryption"] = spent.get("encryption", 0.0) + time.perf_counter() - began
            yield out.getvalue(), part.num_rows, lo.as_py(), hi.as_py()


class NotFast(Exception):
    """The file must be read row by row (its reason, for the debug log: no cell values in it)."""


def read(path: Path, spent: dict | None = None) -> tuple[list[ArrowSheet], list[str]] | None:
    """Every sheet with the scan headers, checked, and the names of the sheets without any of them
    (skipped, as the row-by-row reader skips them); None when the row-by-row reader must take the
    file (see the module's docstring). ``spent`` gets the seconds of the "read" (calamine into
    Arrow) and of the "checks" (the columns checked as wholes)."""
    skipped: list[str] = []
    spent = {} if spent is None else spent
    try:
        return list(_sheets(path, skipped, spent)), skipped
    except NotFast as why:
        log.debug("扫码文件按行读取：%s", why)
        return None
    except BaseException as exc:   # a damaged file (or a panic in the Rust reader): the row-by-row reader names it
        if not broken(exc):
            raise
        log.debug("扫码文件按行读取：fastexcel %s", type(exc).__name__)
        return None


def _sheets(path: Path, skipped: list[str], spent: dict) -> Iterator[ArrowSheet]:
    import fastexcel

    began = time.perf_counter()
    reader = fastexcel.read_excel(str(path))
    found = False
    for index, sheet_name in enumerate(reader.sheet_names):
        try:
            sheet = reader.load_sheet(index, header_row=0, schema_sample_rows=None, dtype_coercion="strict")
        except fastexcel.UnsupportedColumnTypeCombinationError:
            raise NotFast(f"工作表 {index + 1} 有混合类型的列") from None
        except fastexcel.FastExcelError as exc:   # e.g. an empty sheet: look at it row by row
            raise NotFast(f"工作表 {index + 1}：{type(exc).__name__}") from None
        columns = sheet.available_columns()
        names = [c.name.strip() for c in columns]
        labelled = [n for n in names if n in LABELS]
        if not labelled and not any(_renamed_label(n) for n in names):
            skipped.append(sheet_name)
            continue   # no scan headers: skipped, as the row-by-row reader does
        if sorted(labelled) != sorted(LABELS) or any(_renamed_label(n) for n in names):
            raise NotFast(f"工作表 {index + 1} 的表头缺少或重复")
        dtypes = {c.name.strip(): c.dtype for c in columns}
        for label in TEXT_LABELS:
            if dtypes[label] not in ("string", "null"):
                raise NotFast(f"工作表 {index + 1} 的文本列含非文本单元格")
        if dtypes[TIME_LABEL] not in ("datetime", "date", "string"):
            raise NotFast(f"工作表 {index + 1} 的采集时间列不是日期或文本")
        ignored = [c.name for c in columns if c.name.strip() not in LABELS and not c.name.startswith(UNNAMED)
                   and c.name.strip()]
        if any(_numeric_name(n) for n in ignored):
            raise NotFast("表头含数字单元格")
        found = True
        batch = sheet.to_arrow()
        read_at = time.perf_counter()
        spent["read"] = spent.get("read", 0.0) + read_at - began
        table = _checked(batch, {c.name.strip(): c.name for c in columns}, index)
        began = time.perf_counter()
        spent["checks"] = spent.get("checks", 0.0) + began - read_at
        yield ArrowSheet(sheet_name, table, ignored)
    if not found:
        raise NotFast("没有扫码表头")


def _renamed_label(name: str) -> bool:
    """fastexcel names the second of two equal headers `label_1`: a repeated header."""
    base, _, suffix = name.rpartition("_")
    return base in LABELS and suffix.isdigit()


def _numeric_name(name: str) -> bool:
    try:
        float(name)
    except ValueError:
        return False
    return True


def _checked(batch, original: dict[str, str], index: int):
    """The sheet's records as a table in vocabulary.SCAN order, or NotFast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = []
    for label in TEXT_LABELS:
        column = batch.column(original[label])
        if column.type == pa.null():
            column = pa.nulls(len(column), pa.string())
        column = column.cast(pa.string())
        texts.append(pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column))  # '' is NULL
    when = batch.column(original[TIME_LABEL])
    # a wholly empty row is not a record
    filled = pc.is_valid(when)
    for column in texts:
        filled = pc.or_(filled, pc.is_valid(column))
    if not pc.all(filled).as_py():
        texts = [pc.filter(c, filled) for c in texts]
        when = pc.filter(when, filled)
    if len(when) and pc.any(pc.is_null(when)).as_py():
        raise NotFast(f"工作表 {index + 1} 有空的采集时间")
    if len(when) and pc.any(pc.is_null(texts[0])).as_py():
        raise NotFast(f"工作表 {index + 1} 有空的公共场所ID")
    for label in GUARDED_LABELS:
        column = texts[TEXT_LABELS.index(label)]
        if pc.any(pc.match_substring_regex(column, f"^(?:{SCIENTIFIC})$")).as_py():
            raise NotFast(f"工作表 {index + 1} 有科学计数法的标识")
    collected = _times(when, index)
    names = SCAN_COLUMNS
    return pa.Table.from_arrays([*texts, collected], names=names)


def _times(when, index: int):
    """采集时间 as Asia/Shanghai instants: a date cell is a local time (as parse_collected_at takes
    it); a text cell is parsed by parse_collected_at itself."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(when.type) or pa.types.is_large_string(when.type):
        try:
            values = [parse_collected_at(v) for v in when.to_pylist()]
        except BadTime:
            raise NotFast(f"工作表 {index + 1} 有无法识别的采集时间") from None
        return pa.array(values, pa.timestamp("us", tz="Asia/Shanghai"))
    if pa.types.is_date(when.type):
        when = when.cast(pa.timestamp("ms"))
    local = pc.assume_timezone(when.cast(pa.timestamp("us")), "Asia/Shanghai", ambiguous="earliest",
                               nonexistent="earliest")
    if len(local):
        lo, hi = pc.min_max(local).values()
        if lo.as_py() < EARLIEST or hi.as_py() >= LATEST:
            raise NotFast(f"工作表 {index + 1} 的采集时间超出合理范围")
    return local
