"""The few helpers that loaders, the web app, the jobs and ops all use, owned by none of them:
a file's SHA-256 (an import's identity, a backup's check), an Excel column's letters (messages
and exports name cells as Excel does), and cell values as the zone stores them.

Everything is stored as given, as text: a numeric cell holding a long digit string becomes exactly
those digits (13800000001.0 → "13800000001"), dates are written as Excel shows them. The one value
that is parsed is 采集时间 (:func:`parse_collected_at`), in Asia/Shanghai.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from db.vocabulary import SHANGHAI


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read a MiB at a time."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def column_letter(index: int) -> str:
    """Excel's letters of a 0-based column (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


EXCEL_EPOCH = dt.datetime(1899, 12, 30)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)
LATEST = dt.datetime(2100, 1, 1, tzinfo=SHANGHAI)

_TEXT_TIME = re.compile(
    r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T|\s*日\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.(\d{1,6}))?\s*秒?)?)?\s*$")


def to_text(value) -> str | None:
    """One cell as the text it shows; empty cells are NULL."""
    cls = value.__class__
    if cls is str:
        return value or None
    if cls is float:
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if cls is int:
        return str(value)
    if cls is bool:
        return "TRUE" if value else "FALSE"
    if cls is dt.datetime:
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if cls is dt.date:
        return value.isoformat()
    if cls is dt.time:
        return value.isoformat()
    if value is None:
        return None
    return str(value)


class BadTime(ValueError):
    pass


def range_end(text: str, when: dt.datetime) -> dt.datetime:
    """The exclusive end of a range whose last moment is written ``text`` (parsed as ``when``): a
    date includes that whole day, a time that whole minute or second, as precisely as it is written."""
    text = text.strip()
    if len(text) <= 10:
        return when + dt.timedelta(days=1)
    if text.count(":") == 1:
        return when + dt.timedelta(minutes=1)
    return when + dt.timedelta(seconds=1)


def parse_collected_at(value) -> dt.datetime:
    """采集时间 from an Excel date cell, an Excel serial number or text, as an aware datetime in
    Asia/Shanghai. Raises BadTime with a Chinese reason."""
    cls = value.__class__
    if cls is dt.datetime:
        result = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    elif cls is dt.date:  # python-calamine gives a date for a date cell at exactly midnight
        result = dt.datetime(value.year, value.month, value.day, tzinfo=SHANGHAI)
    elif cls is float or cls is int:
        if not 1 <= value < 2958466:
            raise BadTime(f"数值 {to_text(value)} 不是有效的 Excel 日期序号")
        # Excel keeps times to the millisecond: round away the binary noise of the fraction
        naive = EXCEL_EPOCH + dt.timedelta(milliseconds=round(value * 86_400_000))
        result = naive.replace(tzinfo=SHANGHAI)
    elif cls is str:
        text = value.strip()
        if not text:
            raise BadTime("为空")
        try:
            naive = dt.datetime.fromisoformat(text)
        except ValueError:
            m = _TEXT_TIME.fullmatch(text)
            if not m:
                raise BadTime(f"无法识别的时间“{text[:40]}”") from None
            y, mo, d, h, mi, s, frac = m.groups()
            try:
                naive = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                                    int((frac or "0").ljust(6, "0")))
            except ValueError:
                raise BadTime(f"不存在的日期或时间“{text[:40]}”") from None
        result = naive if naive.tzinfo else naive.replace(tzinfo=SHANGHAI)
    elif value is None:
        raise BadTime("为空")
    else:
        raise BadTime(f"无法识别的时间“{to_text(value)}”")
    if not EARLIEST <= result < LATEST:
        raise BadTime(f"时间 {result:%Y-%m-%d %H:%M:%S} 超出合理范围（2000—2099年）")
    return result
