"""The pages: home, the six modules, and the development sign-in."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from loaders import scans as scan_loader
from loaders.values import SHANGHAI, BadTime, parse_collected_at
from web import auth, charts, exports, imports
from web.auth import MENUS, login_required, requires
from web.db import SQL, all_rows, one, tx

bp = Blueprint("pages", __name__)

SCAN_COLUMNS = [  # (column, label)
    ("venue_id", "公共场所ID"), ("venue_name", "公共场所"), ("category", "类别"), ("city", "所在市区"),
    ("street", "所在街道"), ("venue_admin", "公共场所管理员"), ("id_card", "被采集人身份证"), ("person_name", "被采集人"),
    ("phone", "联系电话"), ("collect_result", "采集结果"), ("nat_result", "核酸结果"), ("nat_result_time", "核酸结果时间"),
    ("health_code", "健康码状态"), ("collector_location", "采集人所在位置"), ("collected_at", "采集时间"),
    ("imported_by", "数据导入人"), ("imported_at", "数据导入时间"), ("unit_name", "监管单位"),
]
EXACT = {"venue_id", "id_card", "phone"}
CONTAINS = {"venue_name", "category", "city", "street", "venue_admin", "person_name", "collect_result",
            "nat_result", "nat_result_time", "health_code", "collector_location", "unit_name", "imported_by"}
PAGE = 50
EXPORT_CAP = 100_000


def registry() -> imports.Registry:
    return current_app.extensions.setdefault("epi_imports", imports.Registry())


def audit(kind, action, detail):
    with tx(kind) as conn:
        conn.execute(SQL["audit"], {"action": action, "detail": json.dumps(detail, ensure_ascii=False, default=str)})


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def parse_date(text: str | None, default: dt.date) -> dt.date:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(400, description=f"日期“{text[:20]}”格式应为 YYYY-MM-DD")


# --------------------------------------------------------------------------------------- home

@bp.get("/")
@login_required
def home():
    unit = ops = runs = failures = None
    if any(g.user.has(m) for m in ("alert", "threshold", "scan_query", "scan_stats")) and g.user.unit:
        unit = one("unit", "home_unit")
    if g.user.is_ops:
        ops = one("ops", "home_ops")
        runs = all_rows("ops", "recent_job_runs")
        failures = all_rows("ops", "recent_sms_failures")
    return render_template("home.html", unit=unit, ops=ops, runs=runs, failures=failures)


@bp.route("/dev-login", methods=["GET", "POST"])
def dev_login():
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    users = dev_users()
    if request.method == "POST":
        chosen = next((u for u in users if u["account"] == request.form.get("account")), None)
        if chosen is None:
            abort(400, description="请选择一个演示用户")
        session.clear()
        session["user"] = chosen
        auth.csrf_token()
        return redirect(url_for("pages.home"))
    return render_template("dev_login.html", users=users, token=auth.csrf_token())


def dev_users() -> list[dict]:
    import psycopg

    from db import database

    with psycopg.connect(current_app.config["DATABASE_WEB_URL"]) as conn, \
            database.acting_as(conn, kind="ops", account="dev-login"):
        units = conn.execute(SQL["dev_users"]).fetchall()
    users = [{"account": "ops.demo", "name": "运维演示用户（市政数局）", "unit": None,
              "menus": ["venue_admin", "scan_admin"]}]
    for code, name in units[:6]:
        users.append({"account": f"{code.lower()}.demo", "name": f"{name}演示用户", "unit": code,
                      "menus": ["threshold", "scan_query", "scan_stats", "alert"]})
    return users


# ------------------------------------------------------------------------------ 场所信息管理 (ops)

VENUE_FIELDS = [("venue_id", "公共场所ID"), ("venue_name", "公共场所"), ("category", "类别"), ("city", "所在市区"),
                ("street", "所在街道"), ("venue_admin", "公共场所管理员"), ("location", "所在位置")]


def tabbed_venues(kind: str, counts_query: str, list_query: str, template: str):
    """A venue list with 未设置 / 已设置 tabs, a search box and keyset paging by venue_id."""
    tab = "set" if request.args.get("tab") == "set" else "unset"
    q = (request.args.get("q") or "").strip()[:200]
    after = (request.args.get("after") or "")[:200]
    with tx(kind) as conn:
        counts = conn.execute(SQL[counts_query]).fetchone()
        rows = conn.execute(SQL[list_query], {"unset": tab == "unset", "q": q, "after": after}).fetchall()
    more = rows[100]["venue_id"] if len(rows) > 100 else None
    return render_template(template, tab=tab, q=q, counts=counts, rows=rows[:100], more=more)


@bp.get("/venues")
@requires("venue_admin")
def venues():
    return tabbed_venues("ops", "venue_tab_counts", "venue_list", "venues.html")


def _venue_form_data():
    data = {k: (request.form.get(k) or "").strip() or None for k, _ in VENUE_FIELDS}
    data["unit_code"] = (request.form.get("unit_code") or "").strip() or None
    return data


@bp.route("/venues/new", methods=["GET", "POST"])
@requires("venue_admin")
def venue_new():
    units = all_rows("ops", "units_for_choice")
    errors, data = {}, {"city": "开平市"}
    if request.method == "POST":
        data = _venue_form_data()
        if not data["venue_id"]:
            errors["venue_id"] = "公共场所ID不能为空"
        elif one("ops", "venue_get", venue_id=data["venue_id"]):
            errors["venue_id"] = "该公共场所ID已存在"
        if not errors:
            with tx("ops") as conn:
                conn.execute(SQL["venue_insert"], data)
            return redirect(url_for("pages.venues", tab="set" if data["unit_code"] else "unset", saved=data["venue_id"]))
    return render_template("venue_form.html", venue=data, units=units, errors=errors, new=True, fields=VENUE_FIELDS)


@bp.route("/venues/<venue_id>/edit", methods=["GET", "POST"])
@requires("venue_admin")
def venue_edit(venue_id):
    venue = one("ops", "venue_get", venue_id=venue_id) or abort(404)
    units = all_rows("ops", "units_for_choice")
    if request.method == "POST":
        data = _venue_form_data()
        data["venue_id"] = venue_id
        with tx("ops") as conn:
            conn.execute(SQL["venue_update"], data)
        return redirect(url_for("pages.venues", tab="set" if data["unit_code"] else "unset", saved=venue_id))
    return render_template("venue_form.html", venue=venue, units=units, errors={}, new=False, fields=VENUE_FIELDS)


@bp.route("/venues/<venue_id>/delete", methods=["GET", "POST"])
@requires("venue_admin")
def venue_delete(venue_id):
    venue = one("ops", "venue_get", venue_id=venue_id) or abort(404)
    if request.method == "POST":
        with tx("ops") as conn:
            conn.execute(SQL["venue_delete"], {"venue_id": venue_id})
        return redirect(url_for("pages.venues", tab="set" if venue["unit_code"] else "unset", deleted=venue_id))
    return render_template("confirm.html", title="删除场所",
                           message=f"确认删除场所“{venue['venue_name'] or venue_id}”（{venue_id}）？"
                                   "该场所的扫码记录会保留，监管单位将显示为“空”。",
                           action=url_for("pages.venue_delete", venue_id=venue_id), button="确认删除",
                           back=url_for("pages.venues"))


# ------------------------------------------------------------------------ 场所人流量阈值管理 (units)

def parse_threshold(text: str | None, label: str, errors: dict, key: str):
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors[key] = f"{label}必须是不小于0的整数"
        return None
    value = int(text)
    if value > 2_000_000_000:
        errors[key] = f"{label}过大"
        return None
    return value


@bp.get("/thresholds")
@requires("threshold")
def thresholds():
    return tabbed_venues("unit", "threshold_tab_counts", "threshold_list", "thresholds.html")


@bp.route("/thresholds/<venue_id>", methods=["GET", "POST"])
@requires("threshold")
def threshold_edit(venue_id):
    venue = one("unit", "venue_get", venue_id=venue_id) or abort(404)
    errors: dict = {}
    if request.method == "POST":
        lo = parse_threshold(request.form.get("flow_min"), "场所日人流量阈值（最小值）", errors, "flow_min")
        hi = parse_threshold(request.form.get("flow_max"), "场所日人流量阈值（最大值）", errors, "flow_max")
        if not errors and lo is not None and hi is not None and lo > hi:
            errors["flow_min"] = "场所日人流量阈值（最小值）不能大于最大值"
        if not errors:
            with tx("unit") as conn:
                if conn.execute(SQL["threshold_update"], {"venue_id": venue_id, "flow_min": lo, "flow_max": hi}
                                ).rowcount == 0:
                    abort(404)
            return redirect(url_for("pages.thresholds", tab="set" if (lo is not None or hi is not None) else "unset",
                                    saved=venue_id))
        venue = dict(venue, flow_min=request.form.get("flow_min"), flow_max=request.form.get("flow_max"))
    return render_template("threshold_form.html", venue=venue, errors=errors)


# ------------------------------------------------------------------------ 扫码进场信息管理 (ops)

@bp.get("/templates/<name>")
@login_required
def template_file(name):
    import io

    from loaders.templates import TEMPLATES, write_template

    if name not in TEMPLATES or not (g.user.has("scan_admin") or g.user.has("venue_admin")):
        abort(404)
    title, labels, formats = TEMPLATES[name]
    out = io.BytesIO()
    write_template(out, title, labels, formats)
    return xlsx_response(out.getvalue(), name)


def sync_enabled(conn) -> bool:
    row = conn.execute("select value = 'true'::jsonb as on from epi.setting where key = 'frontdb_sync_enabled'"
                       ).fetchone()
    return bool(row and row["on"])


@bp.get("/scan-admin")
@requires("scan_admin")
def scan_admin():
    month = request.args.get("month")
    with tx("ops") as conn:
        latest = conn.execute(SQL["latest_collected"]).fetchone()["latest"]
        history = conn.execute(SQL["import_history"]).fetchall()
        locked = sync_enabled(conn)
        last_sync = conn.execute(SQL["latest_sync"]).fetchone() if locked else None
        base = latest.astimezone(SHANGHAI).date() if latest else today()
        try:
            first = dt.date.fromisoformat(month + "-01") if month else base.replace(day=1)
        except ValueError:
            abort(400, description="月份格式应为 YYYY-MM")
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        days = {r["day"]: r["n"] for r in conn.execute(SQL["calendar"], {"from": first, "to": last})}
    weeks, week = [], [None] * first.weekday()
    for i in range(last.day):
        d = first + dt.timedelta(days=i)
        week.append((d, days.get(d, 0)))
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    next_month = (last + dt.timedelta(days=1)).strftime("%Y-%m")
    return render_template("scan_admin.html", latest=latest, history=history, locked=locked, last_sync=last_sync,
                           weeks=weeks,
                           month=first, prev_month=prev_month, next_month=next_month,
                           jobs=registry().recent(g.user.account), job_id=request.args.get("job"))


@bp.post("/scan-admin/upload")
@requires("scan_admin")
def scan_upload():
    file = request.files.get("file")
    if not file or not file.filename:
        abort(400, description="请选择要导入的文件")
    with tx("ops") as conn:
        if sync_enabled(conn):
            abort(403, description="前置库同步已启用，扫码进场信息的导入和删除已停用")
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(file.filename)
    path = folder / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}"
    file.save(path)
    job_id = registry().start(path, name, g.user.account, current_app.config["DATABASE_WEB_URL"])
    return redirect(url_for("pages.scan_admin", job=job_id))


@bp.post("/scan-admin/jobs/<job_id>/force")
@requires("scan_admin")
def scan_force(job_id):
    job = registry().get(job_id)
    if not job or job["by"] != g.user.account or not job["duplicate"] or not Path(job["path"]).exists():
        abort(404)
    new_id = registry().start(Path(job["path"]), job["file_name"], g.user.account,
                           current_app.config["DATABASE_WEB_URL"], force=True)
    return redirect(url_for("pages.scan_admin", job=new_id))


@bp.get("/scan-admin/jobs/<job_id>")
@requires("scan_admin")
def scan_job(job_id):
    job = registry().get(job_id)
    if not job or job["by"] != g.user.account:
        abort(404)
    job.pop("path", None)
    return jsonify(job)


def _delete_range():
    by = request.form.get("by")
    if by not in ("collected", "imported"):
        abort(400, description="请选择按采集时间或按数据导入时间删除")
    text = f"{request.form.get('from', '').strip()}..{request.form.get('to', '').strip()}"
    try:
        lo, hi = scan_loader.parse_range(text)
    except ValueError as exc:
        abort(400, description=str(exc))
    return by, lo, hi


@bp.post("/scan-admin/delete/preview")
@requires("scan_admin")
def delete_preview():
    by, lo, hi = _delete_range()
    plan = scan_loader.plan_delete(by=by, lo=lo, hi=hi, account=g.user.account,
                                   url=current_app.config["DATABASE_WEB_URL"])
    return render_template("delete_preview.html", plan=plan, form=request.form)


@bp.post("/scan-admin/delete")
@requires("scan_admin")
def delete_do():
    by, lo, hi = _delete_range()
    try:
        expected = int(request.form.get("expected", ""))
    except ValueError:
        abort(400, description="缺少预览的删除条数，请先预览")
    try:
        result = scan_loader.delete_scans(by=by, lo=lo, hi=hi, account=g.user.account, expected=expected,
                                          url=current_app.config["DATABASE_WEB_URL"])
    except scan_loader.ChangedSincePreview as exc:
        abort(409, description=str(exc))
    return render_template("message.html", title="删除完成",
                           message=f"已删除 {result.rows} 条扫码记录。", back=url_for("pages.scan_admin"))


# ------------------------------------------------------------------------ 扫码进场信息查询 (units)

def scan_filters(args):
    """(sql conditions, params) from the request's filters; only known columns."""
    from psycopg import sql

    conds, params = [], {}
    for col in EXACT:
        value = (args.get(col) or "").strip()
        if value:
            conds.append(sql.SQL("{} = {}").format(sql.Identifier(col), sql.Placeholder(col)))
            params[col] = value[:200]
    for col in CONTAINS:
        value = (args.get(col) or "").strip()
        if value:
            conds.append(sql.SQL("{} like {}").format(sql.Identifier(col), sql.Placeholder(col)))
            params[col] = "%" + value[:200].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    for name, col in (("collected", "collected_at"), ("imported", "imported_at")):
        for side, op in (("from", ">="), ("to", "<")):
            value = (args.get(f"{name}_{side}") or "").strip()
            if value:
                try:
                    when = parse_collected_at(value)
                except BadTime as exc:
                    abort(400, description=f"时间“{value[:30]}”{exc}")
                if side == "to" and len(value) <= 10:
                    when += dt.timedelta(days=1)
                elif side == "to":
                    when += dt.timedelta(seconds=1)
                key = f"{name}_{side}"
                conds.append(sql.SQL("{} {} {}").format(sql.Identifier(col), sql.SQL(op), sql.Placeholder(key)))
                params[key] = when
    return conds, params


def encode_cursor(row) -> str:
    return base64.urlsafe_b64encode(f"{row['collected_at'].isoformat()}|{row['scan_id']}".encode()).decode()


def decode_cursor(text: str):
    try:
        when, scan_id = base64.urlsafe_b64decode(text.encode()).decode().split("|")
        return dt.datetime.fromisoformat(when), int(scan_id)
    except (ValueError, UnicodeDecodeError):
        abort(400, description="分页参数无效")


def query_scans(args, limit: int):
    from psycopg import sql

    conds, params = scan_filters(args)
    after = args.get("after")
    if after:
        params["after_at"], params["after_id"] = decode_cursor(after)
        conds.append(sql.SQL("(collected_at, scan_id) < ({}, {})").format(sql.Placeholder("after_at"),
                                                                           sql.Placeholder("after_id")))
    query = sql.SQL("select scan_id, {cols} from oa.scan {where} order by collected_at desc, scan_id desc limit {n}").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c, _ in SCAN_COLUMNS),
        where=sql.SQL("where ") + sql.SQL(" and ").join(conds) if conds else sql.SQL(""),
        n=sql.Literal(limit))
    with tx("unit") as conn:
        return conn.execute(query, params).fetchall()


@bp.get("/scans")
@requires("scan_query")
def scan_query():
    rows = query_scans(request.args, PAGE + 1)
    next_cursor = encode_cursor(rows[PAGE - 1]) if len(rows) > PAGE else None
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template("scans.html", rows=rows[:PAGE], columns=SCAN_COLUMNS, args=args, next_cursor=next_cursor,
                           exact=EXACT, contains=CONTAINS)


@bp.get("/scans/export")
@requires("scan_query")
def scan_export():
    rows = query_scans(request.args, EXPORT_CAP + 1)
    if len(rows) > EXPORT_CAP:
        abort(400, description=f"符合条件的记录超过 {EXPORT_CAP} 条，请缩小查询范围后再导出")
    data = exports.workbook("扫码进场信息", [label for _, label in SCAN_COLUMNS],
                            ([r[c] for c, _ in SCAN_COLUMNS] for r in rows))
    audit("unit", "export.scans", {"rows": len(rows), "filters": {k: v for k, v in request.args.items() if v}})
    return xlsx_response(data, "扫码进场信息.xlsx")


def xlsx_response(data: bytes, name: str) -> Response:
    from urllib.parse import quote

    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# ------------------------------------------------------------------------------ 扫码统计查询 (units)

def stats_range():
    end = parse_date(request.args.get("to"), today() - dt.timedelta(days=1))
    start = parse_date(request.args.get("from"), end - dt.timedelta(days=29))
    if start > end:
        abort(400, description="开始日期不能晚于结束日期")
    if (end - start).days > 366:
        abort(400, description="统计范围不能超过一年")
    return start, end


@bp.get("/stats")
@requires("scan_stats")
def stats():
    start, end = stats_range()
    rows = all_rows("unit", "stats", **{"from": start, "to": end})
    return render_template("stats.html", rows=rows, start=start, end=end, total=sum(r["n"] for r in rows))


@bp.get("/stats/export")
@requires("scan_stats")
def stats_export():
    start, end = stats_range()
    rows = all_rows("unit", "stats", **{"from": start, "to": end})
    data = exports.workbook("扫码统计", ["公共场所ID", "公共场所", "类别", "监管单位", "所在市区", "所在街道", "扫码量"],
                            ([r["venue_id"], r["venue_name"], r["category"], r["unit_name"], r["city"], r["street"],
                              r["n"]] for r in rows))
    audit("unit", "export.stats", {"from": start, "to": end, "rows": len(rows)})
    return xlsx_response(data, f"扫码统计{start}至{end}.xlsx")


@bp.get("/stats/<venue_id>")
@requires("scan_stats")
def stats_venue(venue_id):
    start, end = stats_range()
    venue = one("unit", "venue_get", venue_id=venue_id) or abort(404)
    days = all_rows("unit", "stats_venue_days", **{"from": start, "to": end, "venue_id": venue_id})
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=venue["flow_min"],
                        max_line=venue["flow_max"])
    return render_template("stats_venue.html", venue=venue, days=days, chart=chart, start=start, end=end)


# --------------------------------------------------------------------------------- “扫码”预警 (units)

@bp.get("/alerts")
@requires("alert")
def alerts():
    status = "已接收" if request.args.get("status") == "已接收" else "未接收"
    with tx("unit") as conn:
        counts = conn.execute(SQL["alert_counts"]).fetchone()
        rows = conn.execute(SQL["alert_list"], {"status": status}).fetchall()
    return render_template("alerts.html", rows=rows, status=status, counts=counts)


@bp.get("/alerts/<int:alert_id>")
@requires("alert")
def alert_detail(alert_id):
    with tx("unit") as conn:
        alert = conn.execute(SQL["alert_get"], {"alert_id": alert_id}).fetchone() or abort(404)
        days = conn.execute(SQL["alert_days_of"], {"ids": [alert_id]}).fetchall()
    chart = charts.bars([(d["day"].isoformat(), d["n"]) for d in days], min_line=alert["flow_min"],
                        max_line=alert["flow_max"])
    return render_template("alert.html", alert=alert, days=days, chart=chart)


@bp.route("/alerts/<int:alert_id>/accept", methods=["GET", "POST"])
@requires("alert")
def alert_accept(alert_id):
    alert = one("unit", "alert_get", alert_id=alert_id) or abort(404)
    if request.method == "POST":
        with tx("unit") as conn:
            if conn.execute(SQL["alert_accept"], {"alert_id": alert_id}).rowcount == 0:
                abort(409, description="该预警已接收，不能重复接收")
        return redirect(url_for("pages.alerts", status="未接收", accepted=alert_id))
    if alert["status"] != "未接收":
        abort(409, description="该预警已接收，不能重复接收")
    return render_template("confirm.html", title="接收预警",
                           message=f"确认接收场所“{alert['venue_name']}”{alert['period_start']}至{alert['period_end']}"
                                   f"的“{alert['reason']}”预警？接收后不能撤销。",
                           action=url_for("pages.alert_accept", alert_id=alert_id), button="确认接收",
                           back=url_for("pages.alert_detail", alert_id=alert_id))


__all__ = ["MENUS", "bp"]
