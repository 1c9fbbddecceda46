"""A streaming xlsx writer: the workbook's parts are written as a zip stream (data descriptors, no
seeking), the sheet row by row, so an export's first bytes leave while the database still sends
rows and memory does not grow with them.

openpyxl's write-only mode keeps the sheet in a temporary file until ``save`` and spends ~0.5 ms a
row on cell objects; here a row is one string join (strings as inline strings, numbers as numbers),
and the zip entry is deflated as it goes (zlib, level 1). A text a spreadsheet could take for a
formula (=, +, -, @, tab, CR first) gets the quote-prefix cell style, as Excel itself does for text
typed with a leading ' — the value stays exactly what the database holds, never evaluated.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import zipfile
from collections.abc import Iterable, Iterator

from core.common import column_letter
from db.vocabulary import SHANGHAI

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
FLUSH_BYTES = 256 * 1024

# XML 1.0 refuses most control characters: each becomes U+FFFD; the markup characters are escaped
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_ESCAPE |= {c: "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"}
_ESCAPE |= {0xFFFE: "\ufffd", 0xFFFF: "\ufffd"}
_SURROGATES = re.compile("[\ud800-\udfff]")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{notes}'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
NOTES_TYPE = ('<Override PartName="/xl/worksheets/sheet2.xml" '
              'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>{notes}</Relationships>')
NOTES_REL = ('<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
             'Target="worksheets/sheet2.xml"/>')
NOTES_TITLE = "说明"
# style 0: default; 1: text with the quote prefix; 2: the bold header
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyAlignment="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def escape(text: str) -> str:
    text = text.translate(_ESCAPE)
    if max(text, default=" ") >= "\ud800" and _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return text


def sheet_name(title: str) -> str:
    return _SHEET_NAME.sub("_", title).strip("'")[:31] or "Sheet1"


_TEXT = '<c t="inlineStr"><is><t xml:space="preserve">'
_QUOTED = '<c s="1" t="inlineStr"><is><t xml:space="preserve">'
_END = "</t></is></c>"
_FIRST = frozenset(DANGEROUS)


def _cell(value) -> str:
    """One cell, without its reference (cells follow one another; an empty one is <c/>)."""
    cls = value.__class__
    if cls is str:
        if not value:
            return "<c/>"
        return (_QUOTED if value[0] in _FIRST else _TEXT) + value.translate(_ESCAPE) + _END
    if value is None:
        return "<c/>"
    if cls is int or (cls is float and math.isfinite(value)):
        return f"<c><v>{value!r}</v></c>"
    if cls is decimal.Decimal and value.is_finite():
        return f"<c><v>{value}</v></c>"
    if cls is dt.datetime:
        value = value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    elif cls is dt.date:
        value = value.isoformat()
    elif cls is bool:
        value = "是" if value else "否"
    else:
        value = str(value)
    return _cell(value)


class _Sink:
    """A write-only, unseekable file: zipfile then writes data descriptors and never seeks back."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0
        self.position = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def stream(title: str, header: list[str], rows: Iterable[Iterable], *, widths: list[int] | None = None,
           notes: list[str] | None = None) -> Iterator[bytes]:
    """The xlsx of one sheet named ``title``: ``header`` (bold, frozen) then ``rows``, as chunks of
    bytes to send as they come; with ``notes``, a second sheet 说明 holding them, one a row (what the
    page says of the data beside the table, e.g. the days without data)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES.replace("{notes}", NOTES_TYPE if notes else "")),
                           ("_rels/.rels", ROOT_RELS),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.replace("{notes}", NOTES_REL if notes else "")),
                           ("xl/styles.xml", STYLES)):
            z.writestr(name, text)
        second = f'<sheet name="{NOTES_TITLE}" sheetId="2" r:id="rId3"/>' if notes else ""
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet_name(title))}" sheetId="1" r:id="rId1"/>{second}</sheets></workbook>'))
        if notes:
            z.writestr("xl/worksheets/sheet2.xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<cols><col min="1" max="1" width="120" customWidth="1"/></cols><sheetData>'
                + "".join("<row>" + _cell(note) + "</row>" for note in notes) + "</sheetData></worksheet>"))
        letters = [column_letter(i) for i in range(max(len(header), 1))]
        widths = widths or [max(10, min(40, 2 * len(label) + 4)) for label in header]
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                           for i, w in enumerate(widths))
            head = "".join(f'<c r="{letters[i]}1" s="2" t="inlineStr"><is><t>{escape(str(label))}</t></is></c>'
                           for i, label in enumerate(header))
            sheet.write((
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData><row r="1">{head}</row>'
            ).encode())
            buffer: list[str] = []
            pending = 0
            for row in rows:
                line = "<row>" + "".join([_cell(v) for v in row]) + "</row>"
                buffer.append(line)
                pending += len(line)
                if pending >= FLUSH_BYTES:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
                    pending = 0
                    if sink.size:
                        yield sink.take()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
    yield sink.take()


def workbook(title: str, header: list[str], rows: Iterable[Iterable]) -> bytes:
    """The same xlsx, whole (small exports)."""
    return b"".join(stream(title, header, rows))
