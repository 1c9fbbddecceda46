"""审计日志 (menu audit, acting as the auditor: the only identity that reads the log, apart from ops —
separation of duties): search entries by account, unit, action and time, and by a person's ID
number or phone through the keyed hash of searched values ("who looked this person up?"); paged,
exportable. Each search page and each export is itself an entry (audit.query, audit.export)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

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
           "counts.repair", "audit.query", "audit.export")


def _day(name: str) -> dt.datetime | None:
    text = (request.args.get(name) or "").strip()
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
    typed = {k: request.args[k].strip()[:200] for k in FILTERS if (request.args.get(k) or "").strip()}
    hashes = [audit_hmac.subject_hash(typed[k]) for k in ("id_card", "phone") if k in typed]
    params = {"account": typed.get("account"), "unit_code": typed.get("unit_code"), "action": typed.get("action"),
              "at_from": _day("at_from"), "at_to": _day("at_to"), "hashes": hashes}
    return params, typed, hashes


@bp.get("/audit")
@requires("audit")
def audit_log():
    args = {k: v for k, v in request.args.items() if k not in ("page", "sort", "dir", "size") and v}
    paging = listing.paging_of(request.args, dict(COLUMNS), "audit_id", desc=True)
    try:
        params, typed, hashes = _conditions()
    except BadCondition as bad:  # shown beside the conditions; no rows read, so no entry
        with tx() as conn:
            head = conn.execute(SQL["audit_head"]).fetchone()
        return render_template("audit.html", rows=[], columns=COLUMNS, kinds=KINDS, actions=ACTIONS, args=args,
                               paging=paging, head=head, bad=bad), 400
    with tx() as conn:
        rows, paging = listing.page_of(conn, "audit_list", params, paging, key=("audit_id",))
        head = conn.execute(SQL["audit_head"]).fetchone()
    place = {"page": str(paging.page)} if paging.page > 1 else {}
    write_access_entry("audit.query", typed | place, hashes, len(rows), query="audit_log_access")
    return render_template("audit.html", rows=rows, columns=COLUMNS, kinds=KINDS, actions=ACTIONS, args=args,
                           paging=paging, head=head, bad=None)


@bp.get("/audit/export")
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
