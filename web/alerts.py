"""“扫码”预警 (menu alert, acting as the user's unit): the unit's alerts in 未接收 / 已接收, one
alert with its 7 days, and 接收 (after a confirmation; it cannot be undone)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from db.vocabulary import ACCEPTED, UNACCEPTED
from web import charts
from web.auth import requires
from web.db import SQL, one, tx

bp = Blueprint("alerts", __name__)

ALREADY_ACCEPTED = "该预警已接收，不能重复接收"


@bp.get("/alerts")
@requires("alert")
def alerts():
    status = ACCEPTED if request.args.get("status") == ACCEPTED else UNACCEPTED
    with tx() as conn:
        counts = conn.execute(SQL["alert_counts"]).fetchone()
        rows = conn.execute(SQL["alert_list"], {"status": status}).fetchall()
    return render_template("alerts.html", rows=rows, status=status, counts=counts)


@bp.get("/alerts/<int:alert_id>")
@requires("alert")
def alert_detail(alert_id):
    with tx() as conn:
        alert = conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone() or abort(404)
        days = conn.execute(SQL["alert_days_of"], {"ids": [alert_id]}).fetchall()
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=alert["flow_min"],
                        max_line=alert["flow_max"])
    return render_template("alert.html", alert=alert, days=days, chart=chart)


@bp.route("/alerts/<int:alert_id>/accept", methods=["GET", "POST"])
@requires("alert")
def alert_accept(alert_id):
    alert = one("alert_get", alert_id=alert_id) or abort(404)
    if request.method == "POST":
        with tx() as conn:
            if conn.execute(SQL["alert_accept"], {"alert_id": alert_id}).rowcount == 0:
                abort(409, description=ALREADY_ACCEPTED)
        return redirect(url_for("alerts.alerts", status=UNACCEPTED, accepted=alert_id))
    if alert["status"] != UNACCEPTED:
        abort(409, description=ALREADY_ACCEPTED)
    return render_template("confirm.html", title="接收预警",
                           message=f"确认接收场所“{alert['venue_name']}”{alert['period_start']}至{alert['period_end']}"
                                   f"的“{alert['reason']}”预警？接收后不能撤销。",
                           action=url_for("alerts.alert_accept", alert_id=alert_id), button="确认接收",
                           back=url_for("alerts.alert_detail", alert_id=alert_id))
