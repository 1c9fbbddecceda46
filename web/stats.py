"""扫码统计查询 (menu scan_stats, acting as the user's unit): scans per venue over a 采集时间 date
range, one venue's days with a chart, and the xlsx export (audited)."""
from __future__ import annotations

import datetime as dt

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
    missing = days_without_data(start, end)
    return render_template("stats.html", rows=rows, start=start, end=end, conditions=conditions, query=query,
                           paging=paging, total=paging.sums["n"], bad=None, missing=missing,
                           nothing_known=len(missing) == (end - start).days + 1, note=no_data_note(missing, start, end))


def days_without_data(start: dt.date, end: dt.date) -> list[dt.date]:
    """The days of the range on which the whole city has no data (无数据: nothing imported, not 0)."""
    with_data = {r["day"] for r in all_rows("data_days", **{"from": start, "to": end})}
    return [d for d in (start + dt.timedelta(days=i) for i in range((end - start).days + 1)) if d not in with_data]


def no_data_note(missing: list[dt.date], start: dt.date, end: dt.date) -> str:
    """What the page and the export say of the days without data ('' when every day has data)."""
    if not missing:
        return ""
    listed = "、".join(d.isoformat() for d in missing[:31]) + ("等" if len(missing) > 31 else "")
    if len(missing) == (end - start).days + 1:
        return f"所选日期范围内全市均无数据（无数据：{listed}）：扫码量未知，不是 0。"
    return f"其中 {len(missing)} 天全市无数据（{listed}），扫码量只计有数据的日期。"


@bp.get("/stats/export")
@requires("scan_stats")
def stats_export():
    start, end = stats_range(request.args)
    _, params = stats_filters(request.args)
    params = {"from": start, "to": end} | params
    with tx() as conn:
        n = listing.count(conn, "stats", params, EXPORT_LIMIT)
    record_stats_export(start, end, n)
    missing = days_without_data(start, end)
    unknown = len(missing) == (end - start).days + 1
    rows = listing.stream("stats", params, "n", True, ("venue_id",), n)
    cells = ([("无数据" if unknown and c == "n" else r[c]) for c in STATS] for r in rows)
    note = no_data_note(missing, start, end)   # the page's note, on the file's sheet 说明
    return streamed_xlsx(SHEET_TITLES["stats"], list(STATS.values()), cells,
                         export_name(SHEET_TITLES["stats"], request.args, start=str(start), end=str(end)),
                         notes=[note] if note else None)


@bp.get("/stats/<anyid:venue_id>")
@requires("scan_stats")
def stats_venue(venue_id):
    start, end = stats_range(request.args)
    venue = one("venue_get", venue_id=venue_id) or abort(404)
    days = all_rows("stats_venue_days", **{"from": start, "to": end, "venue_id": venue_id})
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=venue["flow_min"],
                        max_line=venue["flow_max"])
    return render_template("stats_venue.html", venue=venue, days=days, chart=chart, start=start, end=end)
