"""xlsx exports: every value written as text; a text that starts with =, +, -, @, a tab or a CR is
prefixed with ' so that no spreadsheet ever evaluates it (formula injection)."""
from __future__ import annotations

import datetime as dt
import io

from db.vocabulary import SHANGHAI

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = str(value)
    if text.startswith(DANGEROUS):
        text = "'" + text
    return text


def workbook(title: str, header: list[str], rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=cell_text(value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, name: str):
    """A download of an xlsx file named ``name`` (UTF-8 file names, RFC 5987)."""
    from urllib.parse import quote

    from flask import Response

    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def fields_workbook(title: str, fields: dict[str, str], rows) -> bytes:
    """A workbook of ``rows`` (dicts) with the labels of ``fields`` (column → label) as its header."""
    return workbook(title, list(fields.values()), ([r[c] for c in fields] for r in rows))
