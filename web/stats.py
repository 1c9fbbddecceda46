"""扫码统计查询 (menu scan_stats, acting as the user's unit): scans per venue over a 采集时间 date
range, one venue's days with a chart, and the xlsx export (audited)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from db.vocabulary import SHEET_TITLES, STATS
from web import charts, listing
from web.auth import requires
from web.db import all_rows, one, record_stats_export, tx
from web.exports import export_name, streamed_xlsx
from web.queries import BadCondition, stats_filters, stats_range

bp = Blueprint("stats", __name__)


EXPORT_LIMIT = 100_000


def venue_counts(args, limit: int = EXPORT_LIMIT):
    """(start, end, the conditions as typed, the rows as a JSON array, most scans first) of the
    request's range and combined conditions (GET /api/stats)."""
    start, end = stats_range(args)
    conditions, params = stats_filters(args)
    with tx() as conn:
        rows = listing.ordered_json(conn, "stats", {"from": start, "to": end} | params, "n", True, ("venue_id",),
                                    limit)
    return start, end, conditions, rows


@bp.get("/stats")
@requires("scan_stats")
def stats():
    conditions, params = stats_filters(request.args)
    paging = listing.paging_of(request.args, STATS, "n", desc=True)
    try:
        start, end = stats_range(request.args)
    except BadCondition as bad:  # shown beside the conditions, as typed; no rows
        typed = {k: (request.args.get(k) or "")[:20] for k in ("from", "to")}
        return render_template("stats.html", rows=[], start=typed["from"], end=typed["to"], conditions=conditions,
                               query=typed | conditions, paging=paging, total=0, bad=bad), 400
    with tx() as conn:
        rows, paging = listing.page_of(conn, "stats", {"from": start, "to": end} | params, paging,
                                       key=("venue_id",), sums=("n",))
    query = {"from": start.isoformat(), "to": end.isoformat()} | conditions  # the export's and the pager's
    return render_template("stats.html", rows=rows, start=start, end=end, conditions=conditions, query=query,
                           paging=paging, total=paging.sums["n"], bad=None)


@bp.get("/stats/export")
@requires("scan_stats")
def stats_export():
    start, end = stats_range(request.args)
    _, params = stats_filters(request.args)
    params = {"from": start, "to": end} | params
    with tx() as conn:
        n = listing.count(conn, "stats", params, EXPORT_LIMIT)
    record_stats_export(start, end, n)
    rows = listing.stream("stats", params, "n", True, ("venue_id",), n)
    return streamed_xlsx(SHEET_TITLES["stats"], list(STATS.values()), ([r[c] for c in STATS] for r in rows),
                         export_name(SHEET_TITLES["stats"], request.args, start=str(start), end=str(end)))


@bp.get("/stats/<anyid:venue_id>")
@requires("scan_stats")
def stats_venue(venue_id):
    start, end = stats_range(request.args)
    venue = one("venue_get", venue_id=venue_id) or abort(404)
    days = all_rows("stats_venue_days", **{"from": start, "to": end, "venue_id": venue_id})
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=venue["flow_min"],
                        max_line=venue["flow_max"])
    return render_template("stats_venue.html", venue=venue, days=days, chart=chart, start=start, end=end)
