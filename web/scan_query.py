"""扫码进场信息查询 (menu scan_query, acting as the user's unit): the unit's scans with combined
conditions, newest first, keyset-paged, and their xlsx export. Each page served and each export
is an access entry (scan.query, scan.export), committed before the rows are sent."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from db.vocabulary import SHEET_TITLES
from web import queries
from web.auth import requires
from web.exports import export_name, streamed_xlsx

bp = Blueprint("scan_query", __name__)


@bp.get("/scans")
@requires("scan_query")
def scan_query():
    page, bad = queries.page_or_message(request.args)
    return render_template("scans.html", page=page, bad=bad, rows=page.rows, columns=queries.SCAN_COLUMNS,
                           args=queries.list_args(request.args), sorts=queries.SORTS, page_size=queries.PAGE,
                           exact=queries.EXACT, contains=queries.CONTAINS,
                           base="/scans", title="扫码进场信息查询", export=True, reveal=g.user.has("scan_reveal")), 400 if bad else 200


@bp.get("/scans/export")
@requires("scan_query")
def scan_export():
    """The query's records, masked, as an xlsx streamed while the database reads them: counted
    first (the cap, and the access entry's row count, committed before any row is sent)."""
    cap = queries.EXPORT_CAP
    rows = queries.count_scans(request.args, cap + 1)
    if rows > cap:
        abort(400, description=f"符合条件的记录超过 {cap} 条，请缩小查询范围后再导出")
    queries.record_access("scan.export", request.args, rows)
    columns = dict(queries.SCAN_COLUMNS)
    return streamed_xlsx(SHEET_TITLES["scans"], list(columns.values()), queries.stream_scans(request.args, rows),
                         export_name(SHEET_TITLES["scans"], request.args))
