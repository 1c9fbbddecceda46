"""xlsx exports (web/xlsx.py writes them): text as text, counts as numbers; a text that starts
with =, +, -, @, a tab or a CR carries the quote-prefix style, so no spreadsheet evaluates it
(formula injection) while the value stays exactly the stored one. Large exports are streamed."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import quote

from flask import Response, stream_with_context

from web import xlsx

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(title: str, header: list[str], rows: Iterable[Iterable]) -> bytes:
    return xlsx.workbook(title, header, rows)


def _disposition(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def xlsx_response(data: bytes, name: str):
    """A download of an xlsx file named ``name`` (UTF-8 file names, RFC 5987)."""
    return Response(data, mimetype=MIMETYPE, headers=_disposition(name))


def streamed_xlsx(title: str, header: list[str], rows: Iterable[Iterable], name: str, notes: list[str] | None = None):
    """A download written while ``rows`` are read (the request's context stays for them); ``notes``
    go to a second sheet 说明."""
    chunks: Iterator[bytes] = xlsx.stream(title, header, rows, notes=notes)
    return Response(stream_with_context(chunks), mimetype=MIMETYPE,
                    headers=_disposition(name) | {"X-Accel-Buffering": "no"})


def fields_workbook(title: str, fields: dict[str, str], rows) -> bytes:
    """A workbook of ``rows`` (dicts) with the labels of ``fields`` (column → label) as its header."""
    return workbook(title, list(fields.values()), ([r[c] for c in fields] for r in rows))


def export_name(title: str, args, *, start: str | None = None, end: str | None = None) -> str:
    """A file name that says what the file holds: the module, the user's unit (机构编码), the range
    asked for and the day of the export, e.g. 扫码进场信息_T-A_2022-03-01至2022-03-07_导出于2026-12-02.xlsx."""
    from flask import g

    from web.queries import today

    start = start or (args.get("collected_from") or "").strip()[:10]
    end = end or (args.get("collected_to") or "").strip()[:10]
    parts = [title]
    if g.get("user") and g.user.unit:
        parts.append(g.user.unit)
    if start or end:
        parts.append(f"{start or '最早'}至{end or '最新'}")
    parts.append(f"导出于{today().isoformat()}")
    return "".join(ch if ch not in '\\/:*?"<>|' else "_" for ch in "_".join(parts)) + ".xlsx"
