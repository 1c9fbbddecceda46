"""Texts in doubt (menu venue_admin, acting as ops): a text whose request reached the SMS gateway
without a usable answer may have been delivered. It is never re-sent automatically; on the home
page ops either confirm it delivered (after checking with the unit) or re-send it once. Each is
confirmed on a page of its own and audited by the database (epi.sms_resolve)."""
from __future__ import annotations

import psycopg
from flask import Blueprint, abort, redirect, render_template, request, url_for

from web.auth import requires
from web.db import SQL, one, tx

bp = Blueprint("sms", __name__)

ACTIONS = {
    "confirm": ("确认已送达", "确认这条短信已送达{unit}（{phone}，{day}）？请先与该单位核实。确认后不再重发。", "已确认送达"),
    "resend": ("重新发送", "确认重新发送这条短信给{unit}（{phone}，{day}）？请先与该单位核实未收到；每条短信只能重发一次。",
               "已重新排入发送队列，下次发送时发出"),
}


@bp.route("/sms/<int:sms_id>/<any(confirm, resend):action>", methods=["GET", "POST"])
@requires("venue_admin")
def resolve(sms_id, action):
    text = one("sms_get", sms_id=sms_id) or abort(404)
    title, question, _done = ACTIONS[action]
    if request.method == "POST":
        try:
            with tx() as conn:
                conn.execute(SQL["sms_resolve"], {"sms_id": sms_id, "action": action})
        except psycopg.errors.CheckViolation as exc:
            abort(409, description=exc.diag.message_primary)
        return redirect(url_for("signin.home", sms=sms_id, done=action))
    if not text["in_doubt"] or text["status"] != "failed":
        abort(409, description="该短信不是“结果未知”状态，无需处理")
    if action == "resend" and text["resent_at"]:
        abort(409, description="该短信已重新发送过一次，不能再次重发")
    return render_template("confirm.html", title=title, button=title, back=url_for("signin.home"),
                           message=question.format(unit=text["unit_code"], phone=text["phone"], day=text["day"]),
                           action=url_for("sms.resolve", sms_id=sms_id, action=action))


DONE = {action: done for action, (_, _, done) in ACTIONS.items()}
