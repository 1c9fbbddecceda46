"""扫码进场信息查询 (menu scan_query, acting as the user's unit): the unit's scans with combined
conditions, newest first, keyset-paged, and their xlsx export. Each page served and each export
is an access entry (scan.query, scan.export), committed before the rows are sent."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, g, redirect, render_template, request

from db.vocabulary import SHEET_TITLES
from web import queries
from web.auth import requires
from web.exports import export_name, streamed_xlsx

bp = Blueprint("scan_query", __name__)


def posted_without_personal_values(base: str, args):
    """A posted search without a personal value goes to its URL (303), which can be bookmarked and
    reloaded; one with a personal value is answered here, so the value stays out of every URL."""
    if request.method == "POST" and not queries.personal(args):
        kept = queries.list_args(args) | {k: args[k] for k in ("after", "before") if args.get(k)}
        return redirect(base + ("?" + urlencode(kept) if kept else ""), 303)
    return None


@bp.route("/scans", methods=["GET", "POST"])
@requires("scan_query")
def scan_query():
    args = queries.request_conditions()
    if answer := posted_without_personal_values("/scans", args):
        return answer
    page, bad = queries.page_or_message(args)
    return render_template("scans.html", page=page, bad=bad, rows=page.rows, columns=queries.SCAN_COLUMNS,
                           args=queries.list_args(args), sorts=queries.SORTS, page_size=queries.PAGE,
                           exact=queries.EXACT, contains=queries.CONTAINS, posted=queries.personal(args),
                           base="/scans", title="扫码进场信息查询", export=True, reveal=g.user.has("scan_reveal"),
                           back=queries.list_args(args) | {k: args[k] for k in ("after", "before") if args.get(k)}), \
        400 if bad else 200


@bp.route("/scans/export", methods=["GET", "POST"])
@requires("scan_query")
def scan_export():
    """The query's records, masked, as an xlsx streamed while the database reads them: counted
    first (the cap, and the access entry's row count, committed before any row is sent). A search
    by a personal value posts its conditions (the page's export button)."""
    args = queries.request_conditions()
    cap = queries.EXPORT_CAP
    rows = queries.count_scans(args, cap + 1)
    if rows > cap:
        abort(400, description=f"符合条件的记录超过 {cap} 条，请缩小查询范围后再导出")
    queries.record_access("scan.export", args, rows)
    columns = dict(queries.SCAN_COLUMNS)
    return streamed_xlsx(SHEET_TITLES["scans"], list(columns.values()), queries.stream_scans(args, rows),
                         export_name(SHEET_TITLES["scans"], args))
