"""Files for the loader tests, made by writers other than the project's own: xlsxwriter, a
hand-written shared-strings workbook as Excel and WPS write them, xlwt (.xls), CSV encodings."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from core.common import column_letter
from loaders.scans import LABELS

# a synthetic row: values as the province exports them (text), 采集时间 filled in by the caller
ROW = ["0044078300001", "测试场所一", "商场", "开平市", "长沙街道", "测试管理员", "44078319900101123X",
       "测试甲", "10012345678", "已采集", "阴性", "2022-03-04 10:00:00", "绿码", "开平市长沙街道"]


def rows_with_times(times, base=ROW):
    return [[*base, t] for t in times]


def xlsxwriter_book(path: Path, sheets: dict[str, list[list]], *, header=LABELS, date_format=True) -> Path:
    """sheets: name -> data rows (without header). datetime/date values become date cells,
    int/float number cells, str text cells."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}) if date_format else None
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        if header is not None:
            ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1 if header is not None else 0):
            for c, value in enumerate(row):
                if isinstance(value, (dt.datetime, dt.date)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                                      else dt.datetime.combine(value, dt.time()), fmt)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                elif value is None:
                    continue
                else:
                    ws.write_string(r, c, value)
    wb.close()
    return path


def shared_strings_book(path: Path, rows: list[list], *, rich_text=True) -> Path:
    """A minimal workbook written by hand the way Excel and WPS write one: every text cell a
    shared string (t="s"), one of them as rich text runs (WPS does that for formatted cells),
    采集时间 as a serial number styled with built-in date format 22, a numeric phone cell."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def sst(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    sheet_rows = []
    for r, row in enumerate([LABELS, *rows], start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, dt.datetime):
                serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="1"><v>{serial!r}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{sst(value)}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    si = []
    for i, text in enumerate(strings):
        if rich_text and i == 1:  # the second string as two runs, like WPS writes a partly bold cell
            half = len(text) // 2
            si.append(f'<si><r><rPr><b/></rPr><t>{escape(text[:half])}</t></r><r><t>{escape(text[half:])}</t></r></si>')
        else:
            si.append(f"<si><t>{escape(text)}</t></si>")
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {ns}>'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '</styleSheet>'),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">{"".join(si)}</sst>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}>'
            f'<sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def xls_book(path: Path, rows: list[list]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("扫码")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for c, label in enumerate(LABELS):
        ws.write(0, c, label)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    wb.save(str(path))
    return path


def csv_file(path: Path, rows: list[list], encoding="utf-8", header=LABELS) -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def zip_bomb(path: Path) -> Path:
    """A workbook-looking zip whose sheet inflates ~1000× (declared sizes are honest)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<" + "a" * (50 * 1024 * 1024) + ">")
    return path


def entity_bomb(path: Path) -> Path:
    """A workbook whose shared strings declare a billion-laughs entity."""
    shared_strings_book(path, rows_with_times([dt.datetime(2022, 3, 4, 8)]))
    bomb = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;</t></si></sst>')
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = bomb.encode() if item.filename == "xl/sharedStrings.xml" else src.read(item.filename)
            dst.writestr(item, data)
    tmp.replace(path)
    return path


def lying_zip_bomb(path: Path, inflated: int = 1 << 30, declared: int = 10_000) -> Path:
    """A real 20-row workbook whose sheet is padded with ``inflated`` bytes of spaces (a few MB on
    the wire), its declared uncompressed size patched to ``declared`` in both zip headers — the bomb
    of issue 44, point 4, which a check of the declared sizes let through."""
    import struct

    good = path.with_suffix(".good.xlsx")
    xlsxwriter_book(good, {"Sheet1": rows_with_times([dt.datetime(2022, 3, 4, 8, i) for i in range(20)])})
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != sheet:
                dst.writestr(item.filename, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            entry = zipfile.ZipInfo(sheet)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w", force_zip64=False) as out:
                out.write(head)
                pad = b" " * (16 << 20)
                for _ in range(inflated // len(pad)):
                    out.write(pad)
                out.write(b"</worksheet>" + tail)
    good.unlink()
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(sheet)
    raw[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", declared)   # local header
    central = raw.index(b"PK\x01\x02", info.header_offset + 30 + info.compress_size)   # the central directory
    while True:   # the sheet's entry in it
        name_len = struct.unpack("<H", raw[central + 28:central + 30])[0]
        if raw[central + 46:central + 46 + name_len] == sheet.encode():
            raw[central + 24:central + 28] = struct.pack("<I", declared)
            break
        central = raw.index(b"PK\x01\x02", central + 46)
    path.write_bytes(bytes(raw))
    return path
