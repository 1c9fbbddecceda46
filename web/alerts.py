"""“扫码”预警 (menu alert, acting as the user's unit): the unit's alerts in 未接收 / 已接收 with
filters (预警时间段, 预警原因, 公共场所), one alert with its 7 days, 接收 (after a confirmation; it cannot
be undone) for one alert or for the selected ones at once, and the list's xlsx export."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for

from db.vocabulary import ACCEPTED, ALERT_LIST, ALERT_REASONS, UNACCEPTED
from web import charts, listing
from web.auth import requires
from web.db import SQL, one, tx
from web.exports import export_name, streamed_xlsx
from web.queries import REVERSED_RANGE, BadCondition, like_pattern, parse_date, typed

bp = Blueprint("alerts", __name__)

ALREADY_ACCEPTED = "该预警已接收，不能重复接收"
LIST_LIMIT = 200  # alerts of one GET /api/alerts
EXPORT_LIMIT = 100_000
FILTERS = ("period_from", "period_to", "reason", "venue")
SELECT_MAX = 500  # alerts accepted at once


def alert_filters(args) -> tuple[dict, dict]:
    """(the filters as typed, the list queries' parameters) of the request: 预警时间段 from/to (dates;
    an alert counts when its 7 days overlap them), 预警原因, 公共场所 (its ID or a part of its name)."""
    typed_ = {k: typed(args, k) for k in FILTERS}
    if typed_["reason"] and typed_["reason"] not in ALERT_REASONS:
        raise BadCondition("预警原因只能是" + "或".join(f"“{r}”" for r in ALERT_REASONS), "reason")
    start = parse_date(typed_["period_from"], None, "period_from")
    end = parse_date(typed_["period_to"], None, "period_to")
    if start and end and start > end:
        raise BadCondition(REVERSED_RANGE, "period_from")
    params = {"period_from": start, "period_to": end, "reason": typed_["reason"], "venue": typed_["venue"],
              "venue_like": like_pattern(typed_["venue"])}
    return {k: v for k, v in typed_.items() if v}, params


def status_of(args) -> str:
    return ACCEPTED if args.get("status") == ACCEPTED else UNACCEPTED


def sortable(status: str) -> dict[str, str]:
    """The list's columns (each sorts), with who accepted when on the 已接收 tab."""
    return ALERT_LIST | ({"accepted_by": "接收人", "accepted_at": "接收时间"} if status == ACCEPTED else {})


def list_alerts(conn, status: str, params: dict, limit: int):
    """The first ``limit`` alerts of a tab, the latest 预警时间段 first (the export, the JSON API)."""
    return listing.ordered(conn, "alert_list", params | {"status": status}, "period", True, ("alert_id",), limit)


@bp.get("/alerts")
@requires("alert")
def alerts():
    status = status_of(request.args)
    columns = sortable(status)
    paging = listing.paging_of(request.args, columns, "period", desc=True)
    try:
        filters, params = alert_filters(request.args)
    except BadCondition as bad:  # shown beside the conditions, as typed; no rows
        filters = {k: v for k in FILTERS if (v := typed(request.args, k))}
        return render_template("alerts.html", rows=[], paging=paging, columns=columns, status=status,
                               counts={"unaccepted": 0, "accepted": 0}, filters=filters, reasons=ALERT_REASONS,
                               select_max=SELECT_MAX, args=filters | {"status": status}, bad=bad), 400
    with tx() as conn:
        tally = listing.tally(conn, "alert_list", params | {"status": ""}, "status")
        counts = {"unaccepted": tally.get(UNACCEPTED, 0), "accepted": tally.get(ACCEPTED, 0)}
        rows, paging = listing.page_of(conn, "alert_list", params | {"status": status}, paging, key=("alert_id",))
    return render_template("alerts.html", rows=rows, paging=paging, columns=columns, status=status,
                           counts=counts, filters=filters, reasons=ALERT_REASONS, select_max=SELECT_MAX,
                           args=filters | {"status": status}, bad=None)


EXPORT_COLUMNS = {**ALERT_LIST, "status": "状态", "accepted_by": "接收人", "accepted_at": "接收时间"}


@bp.get("/alerts/export")
@requires("alert")
def alerts_export():
    """The list as it is filtered (one tab), with 状态 and who accepted when; no personal data."""
    status = status_of(request.args)
    _, params = alert_filters(request.args)
    params = params | {"status": status}
    with tx() as conn:
        n = listing.count(conn, "alert_list", params, EXPORT_LIMIT + 1)
    if n > EXPORT_LIMIT:
        abort(400, description=f"符合条件的预警超过 {EXPORT_LIMIT} 条，请缩小范围后再导出")
    values = ([r["venue_id"], r["venue_name"], r["category"], r["city"], r["street"],
               f"{r['period_start']}至{r['period_end']}", r["reason"], r["status"], r["accepted_by"], r["accepted_at"]]
              for r in listing.stream("alert_list", params, "period", True, ("alert_id",), n))
    name = export_name(f"扫码预警（{status}）", request.args, start=params["period_from"] and str(params["period_from"]),
                       end=params["period_to"] and str(params["period_to"]))
    return streamed_xlsx("扫码预警", list(EXPORT_COLUMNS.values()), values, name)


@bp.get("/alerts/<int:alert_id>")
@requires("alert")
def alert_detail(alert_id):
    with tx() as conn:
        alert = conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone() or abort(404)
        days = conn.execute(SQL["alert_days_of"], {"ids": [alert_id]}).fetchall()
    # the alert's own record of its 7 days (every one a day with data when it was raised: the job
    # skips days without any data in the city), so no 无数据 here even if the month was deleted since
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=alert["flow_min"],
                        max_line=alert["flow_max"], week=True)
    # 返回列表: the list as it was (its conditions, order and page came along in back), else its status
    back = request.args.get("back") or ""
    back = "/alerts?" + back if back and "\\" not in back and len(back) < 1000 else f"/alerts?{urlencode({'status': alert['status']})}"
    return render_template("alert.html", alert=alert, days=days, chart=chart, back=back)


@bp.route("/alerts/<int:alert_id>/accept", methods=["GET", "POST"])
@requires("alert")
def alert_accept(alert_id):
    alert = one("alert_get", alert_id=alert_id) or abort(404)
    if request.method == "POST":
        with tx() as conn:
            if conn.execute(SQL["alert_accept"], {"alert_id": alert_id}).rowcount == 0:
                abort(409, description=ALREADY_ACCEPTED)
        return redirect(url_for("alerts.alerts", status=UNACCEPTED, accepted=1))
    if alert["status"] != UNACCEPTED:
        abort(409, description=ALREADY_ACCEPTED)
    return render_template("confirm.html", title="接收预警",
                           message=f"确认接收场所“{alert['venue_name']}”{alert['period_start']}至{alert['period_end']}"
                                   f"的{alert['reason']}预警？接收后不能撤销。",
                           action=url_for("alerts.alert_accept", alert_id=alert_id), button="确认接收",
                           back=url_for("alerts.alerts", status=UNACCEPTED) if request.args.get("from") == "list"
                           else url_for("alerts.alert_detail", alert_id=alert_id))


def _chosen_ids() -> list[int]:
    raw = request.form.getlist("alert_id") or (request.form.get("ids") or "").split(",")
    try:
        ids = sorted({int(x) for x in raw if x.strip()})
    except ValueError:
        abort(400, description="所选预警无效")
    if not ids:
        abort(400, description="请先勾选要接收的预警")
    if len(ids) > SELECT_MAX:
        abort(400, description=f"一次最多接收 {SELECT_MAX} 条预警")
    return ids


@bp.post("/alerts/accept")
@requires("alert")
def alerts_accept():
    """接收 for the selected alerts: a confirmation first, then all in one statement. An alert the
    unit may not see makes the whole request a 404 (nothing is accepted)."""
    ids = _chosen_ids()
    with tx() as conn:
        seen = conn.execute(SQL["alerts_visible"], {"ids": ids}).fetchone()
        if seen["visible"] != len(ids):
            abort(404)
        if request.form.get("confirmed") != "1":
            if seen["waiting"] == 0:
                abort(409, description="所选预警均已接收")
            done = len(ids) - seen["waiting"]
            message = (f"确认接收所选的 {seen['waiting']} 条预警？接收后不能撤销。"
                       + (f"（另有 {done} 条此前已接收，不再重复接收）" if done else ""))
            return render_template("confirm.html", title="接收所选预警", message=message,
                                   action=url_for("alerts.alerts_accept"), button="确认接收",
                                   hidden={"ids": ",".join(map(str, ids)), "confirmed": "1"},
                                   back=url_for("alerts.alerts", status=UNACCEPTED))
        accepted = conn.execute(SQL["alerts_accept"], {"ids": ids}).rowcount
    return redirect(url_for("alerts.alerts", status=UNACCEPTED, accepted=accepted,
                            skipped=(len(ids) - accepted) or None))
