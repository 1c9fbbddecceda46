"""审计日志 (menu audit, acting as the auditor: the only identity that reads the log, apart from ops —
separation of duties): search entries by account, unit, action and time, and by a person's ID
number or phone through the keyed hash of searched values ("who looked this person up?"); paged,
exportable. Each search page and each export is itself an entry (audit.query, audit.export)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for

from db import audit_hmac
from db.vocabulary import SHANGHAI
from web import listing
from web.auth import requires
from web.db import SQL, tx, write_access_entry
from web.exports import export_name, streamed_xlsx
from web.queries import BadCondition

bp = Blueprint("audit", __name__)

PAGE = 50
EXPORT_CAP = 100_000
FILTERS = ("account", "unit_code", "action", "at_from", "at_to", "id_card", "phone")
# the columns of the page and of the export, in this order
COLUMNS = (("audit_id", "审计编号"), ("at", "时间"), ("account", "账号"), ("account_name", "姓名"),
           ("unit_code", "机构编码"), ("caller_kind", "身份"), ("menu", "菜单或命令"), ("action", "操作"),
           ("row_count", "条数"), ("client_addr", "客户端地址"), ("db_user", "数据库账号"), ("os_user", "系统用户"),
           ("detail", "详情"), ("seal_seq", "封存序号"))
KINDS = {"ops": "运维单位", "unit": "监管单位", "jobs": "系统任务", "auditor": "审计员", None: "数据库管理员"}
# the actions the database writes (offered in the page's action list; any other is typed in full)
ACTIONS = ("scan.query", "scan.export", "scan.reveal", "scan.import", "scan.sync", "scan.delete", "venue.insert",
           "venue.update", "venue.delete", "venue.sync", "threshold.update", "alert.accept", "unit.insert",
           "unit.update", "unit.delete", "setting.update", "schedule.update", "sms.confirm", "sms.resend", "export.stats",
           "counts.repair", "audit.query", "audit.export", "reveal.refused", "reveal.budget_80", "reveal.budget_raise",
           "oa.transaction_ended", "sso.refused", "menu_grant.insert", "menu_grant.update", "menu_grant.delete")


PERSONAL = ("id_card", "phone")   # searched only by a POST: never in a URL (issue 42, point 6)


def _source():
    """The search's conditions: the posted form's (a search by a person's ID number or phone, its
    paging and export) or the query string's."""
    if request.method == "POST":
        return {k: v for k, v in request.form.items() if k != "csrf_token"}
    return request.args


def _personal(source) -> bool:
    return any((source.get(k) or "").strip() for k in PERSONAL)


def _day(name: str) -> dt.datetime | None:
    text = (_source().get(name) or "").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadCondition(f"日期“{text[:20]}”格式应为 YYYY-MM-DD", name) from None
    if name == "at_to":
        day += dt.timedelta(days=1)  # the whole last day
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


def _conditions() -> tuple[dict, dict, list[str]]:
    """(the query's parameters, the conditions as typed — for the access entry —, the keyed hashes)."""
    source = _source()
    typed = {k: source[k].strip()[:200] for k in FILTERS if (source.get(k) or "").strip()}
    hashes = [audit_hmac.subject_hash(typed[k]) for k in ("id_card", "phone") if k in typed]
    params = {"account": typed.get("account"), "unit_code": typed.get("unit_code"), "action": typed.get("action"),
              "at_from": _day("at_from"), "at_to": _day("at_to"), "hashes": hashes}
    return params, typed, hashes


@bp.route("/audit", methods=["GET", "POST"])
@requires("audit")
def audit_log():
    source = _source()
    args = {k: v for k, v in source.items() if k not in ("page", "sort", "dir", "size") and v}
    posted = _personal(source)
    if request.method == "POST" and not posted:   # a search without a person's number: its URL (303)
        kept = {k: v for k, v in source.items() if v}
        return redirect(url_for("audit.audit_log", **kept), 303)
    paging = listing.paging_of(source, dict(COLUMNS), "audit_id", desc=True)
    try:
        params, typed, hashes = _conditions()
    except BadCondition as bad:  # shown beside the conditions; no rows read, so no entry
        with tx() as conn:
            head = conn.execute(SQL["audit_head"]).fetchone()
        return render_template("audit.html", rows=[], columns=COLUMNS, kinds=KINDS, actions=ACTIONS, args=args,
                               paging=paging, head=head, bad=bad, posted=posted), 400
    with tx() as conn:
        rows, paging = listing.page_of(conn, "audit_list", params, paging, key=("audit_id",))
        head = conn.execute(SQL["audit_head"]).fetchone()
    place = {"page": str(paging.page)} if paging.page > 1 else {}
    write_access_entry("audit.query", typed | place, hashes, len(rows), query="audit_log_access")
    return render_template("audit.html", rows=rows, columns=COLUMNS, kinds=KINDS, actions=ACTIONS, args=args,
                           paging=paging, head=head, bad=None, posted=posted)


@bp.route("/audit/export", methods=["GET", "POST"])
@requires("audit")
def audit_export():
    params, typed, hashes = _conditions()
    with tx() as conn:
        n = listing.count(conn, "audit_list", params, EXPORT_CAP + 1)
    if n > EXPORT_CAP:
        abort(400, description=f"符合条件的审计记录超过 {EXPORT_CAP} 条，请缩小查询范围后再导出")
    write_access_entry("audit.export", typed, hashes, n, query="audit_log_access")
    rows = listing.stream("audit_list", params, "audit_id", True, ("audit_id",), n)
    return streamed_xlsx("审计日志", [label for _, label in COLUMNS],
                         ([KINDS.get(r[c], r[c]) if c == "caller_kind" else r[c] for c, _ in COLUMNS] for r in rows),
                         export_name("审计日志", {}, start=typed.get("at_from"), end=typed.get("at_to")))
