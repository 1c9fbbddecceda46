"""扫码进场信息管理 (menu scan_admin, acting as ops): import files (in the background, with
progress), the import history and calendar, batch delete with a preview, and the blank templates."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for

from admin import scans as scan_delete
from core.common import BadTime, file_digest, parse_collected_at, range_end
from db.vocabulary import SHANGHAI
from jobs import schedule as timetable
from loaders import scans as scan_loader
from loaders.templates import TEMPLATES, write_template
from web import import_jobs, listing, queries, uploads
from web.auth import login_required, requires
from web.db import SQL, tx
from web.exports import xlsx_response
from web.queries import REVERSED_RANGE, today

bp = Blueprint("scan_admin", __name__)


def jobs() -> import_jobs.ImportJobs:
    return current_app.extensions.setdefault("epi_import_jobs", import_jobs.ImportJobs())


def web_url() -> str:
    return current_app.config["DATABASE_WEB_URL"]


def sync_enabled(conn) -> bool:
    return bool(conn.execute(SQL["sync_enabled"]).fetchone()["on"])


@bp.get("/templates/<name>")
@login_required
def template_file(name):
    if name not in TEMPLATES or not (g.user.has("scan_admin") or g.user.has("venue_admin")):
        abort(404)
    title, labels, formats = TEMPLATES[name]
    out = io.BytesIO()
    write_template(out, title, labels, formats)
    return xlsx_response(out.getvalue(), name)


def month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def month_weeks(first: dt.date, counts: dict[dt.date, int], upto: dt.date | None = None) -> list[list]:
    """The month of ``first`` as weeks (Monday first) of (day, scans) or None outside the month; a day
    after ``upto`` (today) is (day, None): not yet come, shown blank, not 无数据."""
    last = month_end(first)
    weeks, week = [], [None] * first.weekday()
    for i in range(last.day):
        d = first + dt.timedelta(days=i)
        week.append((d, None if upto and d > upto else counts.get(d, 0)))
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


# the import history's columns (each sorts); 采集时间范围 sorts by its start
HISTORY = {"batch_id": "批次", "file_name": "文件", "row_count": "导入条数", "stored_rows": "现存条数",
           "collected_min": "采集时间范围", "imported_by": "数据导入人", "imported_at": "数据导入时间"}


@bp.get("/scan-admin")
@requires("scan_admin")
def scan_admin():
    return admin_page()


def admin_page(upload_error: str | None = None):
    """扫码进场信息管理; with ``upload_error``, the upload refused and its message beside the file field."""
    month = request.args.get("month")
    with tx() as conn:
        latest = scan_loader.latest_collected_in(conn)
        paging = listing.paging_of(request.args, HISTORY, "batch_id", desc=True)
        history, paging = listing.page_of(conn, "import_history", {}, paging, key=("batch_id",))
        locked = sync_enabled(conn)
        last_sync = conn.execute(SQL["latest_sync"]).fetchone() if locked else None
        base = latest.astimezone(SHANGHAI).date() if latest else today()
        try:
            first = dt.date.fromisoformat(month + "-01") if month else base.replace(day=1)
        except ValueError:
            abort(400, description="月份格式应为 YYYY-MM")
        last = month_end(first)
        days = {r["day"]: r["n"] for r in conn.execute(SQL["calendar"], {"from": first, "to": last})}
        retention = conn.execute(SQL["retention"]).fetchone()
        nightly = timetable.read(conn)["nightly"]
        reveal_limits = conn.execute(SQL["reveal_limits"]).fetchone()
        budgets = conn.execute(SQL["reveal_budgets"]).fetchall()
    prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    next_month = (last + dt.timedelta(days=1)).strftime("%Y-%m")
    return render_template("scan_admin.html", latest=latest, history=history, locked=locked, last_sync=last_sync,
                           weeks=month_weeks(first, days, today()), month=first, prev_month=prev_month,
                           next_month=next_month, jobs=shown_jobs(jobs().recent(g.user.account)),
                           job_id=request.args.get("job"),
                           job_line=import_jobs.progress_line, job_percent=import_jobs.percent, paging=paging, history_columns=HISTORY,
                           args={"month": month} if month else {},
                           retention=retention, purge=next_purge(retention["scan_days"], nightly),
                           saved=request.args.get("retention"), reveal_limits=reveal_limits, budgets=budgets,
                           limits_saved=request.args.get("limits") == "saved", raised=request.args.get("raised"),
                           upload_error=upload_error)


def shown_jobs(recent: list[dict]) -> list[dict]:
    """The import panels: the imports still running and the latest result (issue 47, point 6); older
    results are in the import history, not piled up on the page."""
    running = [j for j in recent if j["state"] == "running"]
    ended = next((j for j in recent if j["state"] != "running"), None)
    return running + ([ended] if ended else [])


def next_purge(days: int | None, nightly: timetable.Slot) -> tuple[dt.datetime, dt.date] | None:
    """When the nightly (at its time in the schedule) next purges scans, and the first 采集时间 day
    it keeps (None: scans are kept)."""
    if days is None:
        return None
    when = nightly.next_after(dt.datetime.now(SHANGHAI))
    return when, when.date() - dt.timedelta(days=days)



@bp.post("/scan-admin/retention")
@requires("scan_admin")
def retention_set():
    """Set how long scans are kept (扫码记录保存期限): empty = keep; the rule (at least 14 days) is the
    database's (epi.scan_retention_days: a refusal is shown by web.errors). Confirmed on a page of
    its own first: the next nightly deletes what is older."""
    text = (request.form.get("days") or "").strip()[:20]
    with tx() as conn:
        days = conn.execute(SQL["scan_retention_days"], {"text": text}).fetchone()["days"]
        nightly = timetable.read(conn)["nightly"]
    if request.form.get("confirmed") != "1":
        purge = next_purge(days, nightly)
        message = ("确认取消扫码记录的保存期限？此后扫码记录将一直保存。" if days is None else
                   f"确认将扫码记录保存期限设为 {days} 天？{purge[0]:%Y-%m-%d %H:%M} 的夜间任务将删除采集日期早于 "
                   f"{purge[1]:%Y-%m-%d} 的全部扫码记录（不可恢复），此后每天删除到期的记录；已有预警保留其 7 天的扫码量。")
        return render_template("confirm.html", title="设置扫码记录保存期限", message=message,
                               action=url_for("scan_admin.retention_set"), button="确认设置",
                               hidden={"days": text, "confirmed": "1"}, back=url_for("scan_admin.scan_admin"))
    with tx() as conn:
        conn.execute(SQL["set_scan_retention"], {"days": days})
    return redirect(url_for("scan_admin.scan_admin", retention=text or "keep"))


@bp.post("/scan-admin/reveal-limits")
@requires("scan_admin")
def reveal_limits_set():
    """查看完整个人信息的限额: every account's daily budget and per-minute rate, checked by the
    database (EP400 beside the field) and audited as setting.update."""
    with tx() as conn:
        conn.execute(SQL["set_reveal_limits"], {"daily_budget": (request.form.get("daily_budget") or "")[:20],
                                                "per_minute": (request.form.get("per_minute") or "")[:20]})
    return redirect(url_for("scan_admin.scan_admin", limits="saved") + "#reveal-limits")


@bp.post("/scan-admin/reveal-raise")
@requires("scan_admin")
def reveal_raise():
    """临时提高一个账号的查看额度 (an outbreak): confirmed on a page of its own first; checked and
    audited (reveal.budget_raise) by the database."""
    form = {k: (request.form.get(k) or "").strip()[:200] for k in ("account", "budget", "days", "reason")}
    if request.form.get("confirmed") != "1":
        message = (f"确认将账号 {form['account']} 今日起 {form['days']} 天内每日查看完整个人信息的额度提高到 "
                   f"{form['budget']} 条？事由：{form['reason']}。此操作将记入审计日志。")
        return render_template("confirm.html", title="临时提高查看额度", message=message,
                               action=url_for("scan_admin.reveal_raise"), button="确认提高",
                               hidden=form | {"confirmed": "1"}, back=url_for("scan_admin.scan_admin"))
    with tx() as conn:
        last = conn.execute(SQL["raise_reveal_budget"], form).fetchone()["last_day"]
    return redirect(url_for("scan_admin.scan_admin", raised=f"{form['account']}:{last}") + "#reveal-limits")


@bp.post("/scan-admin/upload")
@requires("scan_admin")
def scan_upload():
    file = request.files.get("file")
    if not file or not file.filename:   # beside the file field, on the page itself
        return admin_page(upload_error="请选择要导入的文件（.xlsx、.xls 或 .csv）"), 400
    with tx() as conn:   # refused while the sync is on, with the database's message (before the upload is kept)
        conn.execute(SQL["require_scan_writes"])
    name = os.path.basename(file.filename)
    refused = None
    if force_of := request.form.get("force_of"):  # 确认仍要导入: the same file chosen again
        refused = jobs().get(force_of)
        if not refused or refused["by"] != g.user.account or not refused["duplicate"]:
            abort(404)
    upload = uploads.save(file, current_app.config["UPLOAD_DIR"], Path(name).suffix.lower()[:6])
    if refused and file_digest(upload.path) != refused["digest"]:
        upload.discard()
        abort(400, description="所选文件与刚才提示“已导入过”的文件内容不同，未导入。请重新上传该文件")
    job_id = jobs().start(upload, name, g.user.account, web_url(), force=bool(refused))
    return redirect(url_for("scan_admin.scan_admin", job=job_id))


@bp.get("/scan-admin/jobs/<job_id>")
@requires("scan_admin")
def scan_job(job_id):
    job = jobs().get(job_id)
    if not job or job["by"] != g.user.account:
        abort(404)
    job.pop("digest", None)
    return jsonify(job | {"line": import_jobs.progress_line(job), "percent": import_jobs.percent(job)})


class DeleteInput(Exception):
    """The delete form's fields refused: {field: message}, shown beside them."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _delete_range():
    """The delete form's range: which time (form field ``by``: collected | imported) and [lo, hi);
    each field a person typed wrong is a message beside it (DeleteInput), never the command line's
    FROM..TO syntax."""
    field = request.form.get("by")
    if field not in scan_delete.RANGE_FIELDS:
        abort(400, description="请选择按采集时间或按数据导入时间删除")
    errors, when = {}, {}
    for side, label in (("from", "开始时间"), ("to", "结束时间")):
        value = (request.form.get(side) or "").strip()
        if not value:
            errors[side] = f"请填写{label}"
            continue
        try:
            when[side] = parse_collected_at(value)
        except BadTime as exc:
            errors[side] = f"{label}：{exc}"
    if not errors:
        hi = range_end(request.form["to"].strip(), when["to"])
        if hi <= when["from"]:
            errors["from"] = REVERSED_RANGE
    if errors:
        raise DeleteInput(errors)
    return field, when["from"], hi


def _confirmed_delete(delete, **what):
    """Run a previewed delete with the count the preview showed (409 when the data changed since)."""
    try:
        expected = int(request.form.get("expected", ""))
    except ValueError:
        abort(400, description="缺少预览的删除条数，请先预览")
    try:
        return delete(**what, account=g.user.account, expected=expected, url=web_url())
    except scan_delete.ChangedSincePreview as exc:
        abort(409, description=str(exc))


@bp.post("/scan-admin/delete/preview")
@requires("scan_admin")
def delete_preview():
    try:
        field, lo, hi = _delete_range()
    except DeleteInput as bad:   # the form again, with the message beside the field
        return render_template("delete_form_again.html", delete_form=request.form, delete_errors=bad.errors), 400
    plan = scan_delete.plan_delete(field=field, lo=lo, hi=hi, account=g.user.account, url=web_url())
    return render_template("delete_preview.html", plan=plan, form=request.form,
                           range_fields=scan_delete.RANGE_FIELDS, last=hi - dt.timedelta(microseconds=1))


@bp.post("/scan-admin/batches/<int:batch_id>/delete/preview")
@requires("scan_admin")
def batch_delete_preview(batch_id):
    """删除本次导入: the rows of one import still stored, per the history row; confirmed next."""
    plan = scan_delete.plan_delete_batch(batch=batch_id, account=g.user.account, url=web_url())
    return render_template("delete_preview.html", plan=plan, form={}, range_fields=scan_delete.RANGE_FIELDS)


@bp.post("/scan-admin/batches/<int:batch_id>/delete")
@requires("scan_admin")
def batch_delete(batch_id):
    result = _confirmed_delete(scan_delete.delete_batch, batch=batch_id)
    return render_template("message.html", title="删除完成",
                           message=f"已删除导入批次 {batch_id} 的 {result.rows} 条扫码记录。",
                           back=url_for("scan_admin.scan_admin"))


@bp.route("/scan-admin/scans", methods=["GET", "POST"])
@requires("scan_admin")
def scan_records():
    """扫码进场信息管理's record list: every scan, the seed's 17 fields, the combined conditions of
    扫码进场信息查询; masked like every scan output, and each page served is an access entry. A
    search by a personal value is posted (web.scan_query.posted_without_personal_values)."""
    from web.scan_query import posted_without_personal_values

    args = queries.request_conditions()
    if answer := posted_without_personal_values("/scan-admin/scans", args):
        return answer
    page, bad = queries.page_or_message(args, queries.SCAN_ADMIN_COLUMNS)
    return render_template("scans.html", page=page, bad=bad, rows=page.rows, columns=queries.SCAN_ADMIN_COLUMNS,
                           args=queries.list_args(args), sorts=queries.SORTS, page_size=queries.PAGE,
                           exact=queries.EXACT, contains=queries.CONTAINS, posted=queries.personal(args),
                           base="/scan-admin/scans", title="扫码记录", export=False, reveal=False), 400 if bad else 200


@bp.post("/scan-admin/delete")
@requires("scan_admin")
def delete_do():
    try:
        field, lo, hi = _delete_range()
    except DeleteInput as bad:   # a confirmation posts the previewed range: only a forged one gets here
        return render_template("delete_form_again.html", delete_form=request.form, delete_errors=bad.errors), 400
    result = _confirmed_delete(scan_delete.delete_scans, field=field, lo=lo, hi=hi)
    return render_template("message.html", title="删除完成",
                           message=f"已删除 {result.rows} 条扫码记录。", back=url_for("scan_admin.scan_admin"))
