"""The JSON API (SPEC section 8): the same rights as the pages, `Authorization: Bearer <OA JWT>`
(or the page session with its CSRF token), errors as {"error": "<Chinese message>"} with 4xx."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from db.vocabulary import ALERT_STATUSES, FLOW, UNACCEPTED
from web import queries, reveal
from web.alerts import ALREADY_ACCEPTED, alert_filters, list_alerts
from web.alerts import LIST_LIMIT as ALERT_LIMIT
from web.auth import requires
from web.db import SQL, all_rows, one, tx
from web.stats import venue_counts
from web.thresholds import save_thresholds

bp = Blueprint("api", __name__, url_prefix="/api")
LIST_LIMIT = 100  # venues a page (api_venue_list)


def plain(row: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for k, v in row.items()}


@bp.get("/venues")
@requires("threshold")
def venues():
    tab = request.args.get("tab", "unset")
    if tab not in ("unset", "set"):
        abort(400, description="tab 只能是 unset 或 set")
    rows = all_rows("api_venue_list", unset=tab == "unset", after=(request.args.get("after") or "")[:200])
    return jsonify(venues=[plain(r) for r in rows[:LIST_LIMIT]],
                   next=rows[LIST_LIMIT]["venue_id"] if len(rows) > LIST_LIMIT else None)


def _threshold_text(body: dict, key: str) -> str | None:
    """A threshold of the body as the database's rule takes it: an integer (or null) only."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        abort(400, description=f"{FLOW[key]}必须是整数或 null")
    return str(value)


@bp.put("/venues/<anyid:venue_id>/threshold")
@requires("threshold")
def put_threshold(venue_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not set(FLOW) <= set(body):
        abort(400, description="请求体应为 {\"flow_min\": 整数或 null, \"flow_max\": 整数或 null}")
    venue_id = venue_id[:200]
    errors = save_thresholds(venue_id, {key: _threshold_text(body, key) for key in FLOW})
    if errors:
        abort(400, description=next(iter(errors.values())))
    return jsonify(venue=plain(one("venue_get", venue_id=venue_id)))


def scan_list(args, counted: bool):
    page = queries.scan_page(args, counted=counted)
    queries.record_access("scan.query", args, len(page.rows))
    counted = {} if page.count is None else {"count": min(page.count, queries.COUNT_BOUND),
                                             "count_exceeds": page.count > queries.COUNT_BOUND}
    return jsonify(scans=[plain({c: r[c] for c, _ in queries.SCAN_COLUMNS} | {"scan_id": r["scan_id"]})
                          for r in page.rows], next=page.next, prev=page.prev, **counted)


@bp.get("/scans")
@requires("scan_query")
def scans():
    """The conditions in the query string (kept for compatibility): a searched ID number or phone
    then sits in proxies' and servers' logs; POST /api/scans/search keeps it in the body."""
    return scan_list(request.args, counted=request.args.get("count") == "1")


@bp.post("/scans/search")
@requires("scan_query")
def scans_search():
    """The same list with the conditions in the JSON body, {"id_card": "…", "after": "…", "count": true}
    (issue 42, point 6): no personal value in a URL. Each condition is a string; count a boolean."""
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        body = {}
    if not isinstance(body, dict):
        abort(400, description="请求体应为 JSON 对象，如 {\"id_card\": \"被采集人身份证\"}")
    counted = body.pop("count", False)
    if not isinstance(counted, bool):
        abort(400, description="count 应为 true 或 false")
    unknown = sorted(k for k in body if k not in queries.CONDITIONS)
    if unknown:
        abort(400, description=f"不支持的查询条件：{'、'.join(unknown)[:200]}")
    wrong = sorted(k for k, v in body.items() if v is not None and not isinstance(v, str))
    if wrong:
        abort(400, description=f"查询条件应为字符串：{'、'.join(wrong)}")
    return scan_list(MultiDict([(k, v) for k, v in body.items() if v]), counted=counted)


@bp.post("/scans/<int:scan_id>/reveal")
@requires("scan_reveal")
def reveal_scan(scan_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reason"), str):
        abort(400, description="请求体应为 {\"reason\": \"查看事由\"}")
    return jsonify(scan=plain(reveal.reveal(scan_id, body["reason"])))


@bp.get("/stats")
@requires("scan_stats")
def stats():
    start, end, conditions, venues = venue_counts(request.args)
    head = json.dumps({"conditions": conditions, "from": start.isoformat(), "to": end.isoformat()},
                      ensure_ascii=False, sort_keys=True)
    # the venues' array as PostgreSQL wrote it (web.listing.ordered_json), set in as the last key
    return current_app.response_class(head[:-1] + ', "venues": ' + venues + "}\n", mimetype="application/json")


@bp.get("/alerts")
@requires("alert")
def alerts():
    status = request.args.get("status", UNACCEPTED)
    if status not in ALERT_STATUSES:
        abort(400, description="status 只能是 " + " 或 ".join(ALERT_STATUSES))
    _, params = alert_filters(request.args)
    with tx() as conn:
        rows = list_alerts(conn, status, params, ALERT_LIMIT)
        days = conn.execute(SQL["alert_days_of"], {"ids": [r["alert_id"] for r in rows]}).fetchall()
    by_alert: dict[int, list] = {}
    for d in days:
        by_alert.setdefault(d["alert_id"], []).append({"day": d["day"].isoformat(), "n": d["n"]})
    return jsonify(alerts=[plain(r) | {"days": by_alert.get(r["alert_id"], [])} for r in rows])


@bp.post("/alerts/<int:alert_id>/accept")
@requires("alert")
def accept(alert_id):
    with tx() as conn:
        if conn.execute(SQL["alert_accept"], {"alert_id": alert_id}).rowcount == 0:
            if conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone() is None:
                abort(404)
            abort(409, description=ALREADY_ACCEPTED)
        alert = conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone()
    return jsonify(alert=plain(alert))
