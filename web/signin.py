"""Sign-in area: the home page a user lands on from OA, and the development sign-in (only with
EPI_DEV_LOGIN=1). OA's own sign-on (tickets) is web.auth."""
from __future__ import annotations

import datetime as dt
import time
import uuid
from urllib.parse import urlencode

import jwt
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from db.vocabulary import SHANGHAI
from web import auth, charts
from web.auth import login_required
from web.db import all_rows, one, write_access_entry
from web.queries import today

bp = Blueprint("signin", __name__)

UNIT_MENUS = auth.menus_acting_as("unit")
# the reveal budget's audit entries the auditor's home page lists (web/sql/signin.sql budget_events)
BUDGET_ACTIONS = {"reveal.refused": "超限被拒", "reveal.budget_80": "已用额度超过80%", "reveal.budget_raise": "临时提高额度"}


@bp.get("/")
@login_required
def home():
    """The user's own unit's figures and, for ops, the jobs' and texts' state: the one page that
    acts as both, so it names the kind of each query."""
    unit = ops = runs = failures = in_doubt = chart = end = nightly = last_import = weeks = units_refresh = None
    budget_events = no_phone = None
    if any(g.user.has(m) for m in UNIT_MENUS) and g.user.unit:
        unit = one("home_unit", kind="unit")
        if g.user.has("scan_stats"):  # 30 days of scans of the unit's venues, up to the city's last day
            yesterday = today() - dt.timedelta(days=1)  # with data, at the latest yesterday
            end = one("last_data_day", kind="unit", to=yesterday)["day"] or yesterday
            start = end - dt.timedelta(days=29)
            counts = {r["day"]: r["n"] for r in all_rows("calendar", kind="unit", **{"from": start, "to": end})}
            with_data = {r["day"] for r in all_rows("data_days", kind="unit", **{"from": start, "to": end})}
            days = [start + dt.timedelta(days=i) for i in range(30)]
            chart = charts.bars([(d.isoformat(), counts.get(d, 0) if d in with_data else None) for d in days])
    if g.user.is_ops:
        ops = one("home_ops", kind="ops")
        no_phone = all_rows("units_without_phone", kind="ops")
        runs = all_rows("recent_job_runs", kind="ops")
        nightly = one("last_nightly", kind="ops")
        units_refresh = one("last_units_refresh", kind="ops")
        last_import = one("last_import", kind="ops")
        failures = all_rows("recent_sms_failures", kind="ops")
        if g.user.has("venue_admin"):
            in_doubt = all_rows("sms_in_doubt", kind="ops")
        if g.user.has("scan_admin"):  # the data calendar of the latest month with data
            from web.scan_admin import month_end, month_weeks

            base = ops["latest_collected"].astimezone(SHANGHAI).date() if ops["latest_collected"] else today()
            first = base.replace(day=1)
            counts = {r["day"]: r["n"] for r in all_rows("calendar", kind="ops", **{"from": first, "to": month_end(first)})}
            weeks = (first, month_weeks(first, counts))
    if g.user.has("audit"):   # the reveal budget's events (issue 42): a read of the log, recorded as one
        g.acts_as = "auditor"
        budget_events = all_rows("budget_events")
        write_access_entry("audit.query", {"action": " ".join(BUDGET_ACTIONS)}, [], len(budget_events),
                           query="audit_log_access")
    from web.sms import DONE

    return render_template("home.html", unit=unit, ops=ops, no_phone=no_phone, runs=runs, failures=failures, in_doubt=in_doubt,
                           chart=chart, chart_end=end, nightly=nightly, last_import=last_import, weeks=weeks,
                           units_refresh=units_refresh, budget_events=budget_events, budget_labels=BUDGET_ACTIONS,
                           done=DONE.get(request.args.get("done", "")))


@bp.post("/switch-account")
def switch_account():
    """切换账号, confirmed: the other account's ticket is checked and used up only now."""
    raw = request.form.get("ticket") or ""
    if not raw:
        abort(400, description="缺少登录凭据，请从 OA 系统重新进入")
    auth.sign_on(auth.verify_ticket(raw))
    return redirect(auth.safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    """退出: the session ends here, for every copy of its cookie (OA's own session is OA's); a session
    signed on through CAS or OpenID Connect goes on to end the provider's too (web.sso.logout_url) —
    inside OA's frame by a link that opens it in a window of its own."""
    from web import sso

    method = session.get("sso")
    auth.end_session()
    g.user = None
    onward = sso.logout_url(method)
    if onward is not None and not g.get("embedded"):
        return redirect(onward)
    # inside OA's frame the provider's logout page would be refused: it opens in a window of its own
    return render_template("message.html", message="您已退出疫情防控监管专区。如需继续使用，请从 OA 系统重新进入。",
                           back="/", link=(onward, "同时退出统一身份认证（在新窗口中打开）") if onward else None)


@bp.route("/dev-login", methods=["GET", "POST"])
def dev_login():
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    users = dev_users()
    if request.method == "POST":
        chosen = next((u for u in users if u["account"] == request.form.get("account")), None)
        if chosen is None:
            abort(400, description="请选择一个演示用户")
        auth.start_session(auth.User(chosen["account"], chosen["name"], chosen["unit"], tuple(chosen["menus"])))
        return redirect(url_for("signin.home"))
    return render_template("dev_login.html", users=users, token=auth.csrf_token())


@bp.get("/dev-login/enter")
def dev_enter():
    """A demo sign-in link (printed by `invoke demo`): each click mints a fresh OA ticket, as OA
    would, and enters through the real ticket path (one use, 10 minutes, 切换账号 asked first)."""
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    account = request.args.get("account", "")
    chosen = next((u for u in dev_users() if u["account"] == account), None)
    if chosen is None and (row := one("dev_unit", kind="ops", account="dev-login", who=account)):
        chosen = {"account": account, "name": f"{row['unit_name']}演示用户", "unit": row["unit_code"], "menus": UNIT_MENUS}
    if chosen is None:
        abort(404, description="没有这个演示用户")
    now = int(time.time())
    claims = {"sub": chosen["account"], "name": chosen["name"], "unit": chosen["unit"], "menus": chosen["menus"],
              "iat": now, "exp": now + 60 * current_app.config["TICKET_MAX_MINUTES"], "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, current_app.config["OA_JWT_SECRET"], algorithm="HS256")
    return redirect("/?" + urlencode({"ticket": token}))


def dev_users() -> list[dict]:
    """The demo users to pick from: ops, and one user for each of the first six active units."""
    units = all_rows("dev_users", kind="ops", account="dev-login")
    users = [{"account": "ops.demo", "name": "运维演示用户（市政数局）", "unit": None,
              "menus": auth.menus_acting_as("ops")},
             {"account": "auditor.demo", "name": "审计演示用户（审计管理员）", "unit": None,
              "menus": auth.menus_acting_as("auditor")}]
    for row in units[:6]:
        users.append({"account": f"{row['unit_code'].lower()}.demo", "name": f"{row['unit_name']}演示用户",
                      "unit": row["unit_code"], "menus": UNIT_MENUS})
    return users
