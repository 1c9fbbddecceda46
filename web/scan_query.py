"""扫码进场信息查询 (menu scan_query, acting as the user's unit): the unit's scans with combined
conditions, newest first, keyset-paged, and their xlsx export. Each page served and each export
is an access entry (scan.query, scan.export), committed before the rows are sent."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from db.vocabulary import SHEET_TITLES
from web import queries
from web.auth import requires
from web.exports import fields_workbook, xlsx_response

bp = Blueprint("scan_query", __name__)


@bp.get("/scans")
@requires("scan_query")
def scan_query():
    rows, next_cursor = queries.scan_page(request.args)
    queries.record_access("scan.query", request.args, len(rows))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template("scans.html", rows=rows, columns=queries.SCAN_COLUMNS, args=args,
                           next_cursor=next_cursor, exact=queries.EXACT, contains=queries.CONTAINS,
                           base="/scans", title="扫码进场信息查询", export=True, reveal=g.user.has("scan_reveal"))


@bp.get("/scans/export")
@requires("scan_query")
def scan_export():
    cap = queries.EXPORT_CAP
    rows = queries.query_scans(request.args, cap + 1)
    if len(rows) > cap:
        abort(400, description=f"符合条件的记录超过 {cap} 条，请缩小查询范围后再导出")
    queries.record_access("scan.export", request.args, len(rows))
    data = fields_workbook(SHEET_TITLES["scans"], dict(queries.SCAN_COLUMNS), rows)
    return xlsx_response(data, f"{SHEET_TITLES['scans']}.xlsx")
