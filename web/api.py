"""The JSON API (SPEC section 8): the same rights as the pages, `Authorization: Bearer <OA JWT>`
(or the page session with its CSRF token), errors as {"error": "<Chinese message>"} with 4xx."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, request

from web.auth import requires
from web.db import SQL, all_rows, one, tx
from web.pages import PAGE, SCAN_COLUMNS, encode_cursor, query_scans, stats_range

bp = Blueprint("api", __name__, url_prefix="/api")


def plain(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        out[k] = v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
    return out


@bp.get("/venues")
@requires("threshold")
def venues():
    tab = request.args.get("tab", "unset")
    if tab not in ("unset", "set"):
        abort(400, description="tab 只能是 unset 或 set")
    rows = all_rows("unit", "threshold_list", unset=tab == "unset", q="", after=(request.args.get("after") or "")[:200])
    return jsonify(venues=[plain(r) for r in rows[:100]], next=rows[100]["venue_id"] if len(rows) > 100 else None)


def _threshold_value(body: dict, key: str, label: str):
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2_000_000_000:
        abort(400, description=f"{label}必须是不小于0的整数或 null")
    return value


@bp.put("/venues/<venue_id>/threshold")
@requires("threshold")
def put_threshold(venue_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not {"flow_min", "flow_max"} <= set(body):
        abort(400, description="请求体应为 {\"flow_min\": 整数或 null, \"flow_max\": 整数或 null}")
    lo = _threshold_value(body, "flow_min", "场所日人流量阈值（最小值）")
    hi = _threshold_value(body, "flow_max", "场所日人流量阈值（最大值）")
    with tx("unit") as conn:
        if conn.execute(SQL["threshold_update"], {"venue_id": venue_id[:200], "flow_min": lo, "flow_max": hi}
                        ).rowcount == 0:
            abort(404)
        venue = conn.execute(SQL["venue_get"], {"venue_id": venue_id}).fetchone()
    return jsonify(venue=plain(venue))


@bp.get("/scans")
@requires("scan_query")
def scans():
    rows = query_scans(request.args, PAGE + 1)
    nxt = encode_cursor(rows[PAGE - 1]) if len(rows) > PAGE else None
    return jsonify(scans=[plain({c: r[c] for c, _ in SCAN_COLUMNS} | {"scan_id": r["scan_id"]}) for r in rows[:PAGE]],
                   next=nxt)


@bp.get("/stats")
@requires("scan_stats")
def stats():
    start, end = stats_range()
    rows = all_rows("unit", "stats", **{"from": start, "to": end})
    return jsonify(**{"from": start.isoformat(), "to": end.isoformat(), "venues": [plain(r) for r in rows]})


@bp.get("/alerts")
@requires("alert")
def alerts():
    status = request.args.get("status", "未接收")
    if status not in ("未接收", "已接收"):
        abort(400, description="status 只能是 未接收 或 已接收")
    with tx("unit") as conn:
        rows = conn.execute(SQL["alert_list"], {"status": status}).fetchall()
        days = conn.execute(SQL["alert_days_of"], {"ids": [r["alert_id"] for r in rows]}).fetchall()
    by_alert: dict[int, list] = {}
    for d in days:
        by_alert.setdefault(d["alert_id"], []).append({"day": d["day"].isoformat(), "n": d["n"]})
    return jsonify(alerts=[plain(r) | {"days": by_alert.get(r["alert_id"], [])} for r in rows])


@bp.post("/alerts/<int:alert_id>/accept")
@requires("alert")
def accept(alert_id):
    with tx("unit") as conn:
        if conn.execute(SQL["alert_accept"], {"alert_id": alert_id}).rowcount == 0:
            if conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone() is None:
                abort(404)
            abort(409, description="该预警已接收，不能重复接收")
        alert = conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone()
    return jsonify(alert=plain(alert))


_ = one
