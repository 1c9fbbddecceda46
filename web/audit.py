"""审计日志 (menu audit, acting as the auditor: the only identity that reads the log, apart from ops —
separation of duties): search entries by account, unit, action and time, and by a person's ID
number or phone through the keyed hash of searched values ("who looked this person up?"); paged,
exportable. Each search page and each export is itself an entry (audit.query, audit.export)."""
from __future__ import annotations

import contextlib
import datetime as dt
import json

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
# the actions the database writes, in Chinese (the page's action list offers them; any other is typed in full)
ACTION_LABELS = {
    "scan.query": "查询扫码记录", "scan.export": "导出扫码记录", "scan.reveal": "查看完整个人信息",
    "scan.import": "导入扫码记录", "scan.sync": "前置库同步扫码记录", "scan.delete": "删除扫码记录",
    "venue.insert": "新增场所", "venue.update": "修改场所", "venue.delete": "删除场所", "venue.sync": "前置库同步场所",
    "threshold.update": "修改人流量阈值", "alert.accept": "接收预警", "unit.insert": "新增监管单位",
    "unit.update": "修改监管单位", "unit.delete": "删除监管单位", "setting.update": "修改系统设置",
    "schedule.update": "修改任务时间", "sms.confirm": "确认短信已送达", "sms.resend": "重发短信",
    "export.stats": "导出扫码统计", "counts.repair": "修正日扫码量", "audit.query": "查询审计日志",
    "audit.export": "导出审计日志", "audit.purge": "清理到期审计日志", "reveal.refused": "查看完整信息超限被拒",
    "reveal.budget_80": "查看额度已用 80%", "reveal.budget_raise": "临时提高查看额度",
    "oa.transaction_ended": "结束 OA 长事务", "sso.refused": "单点登录被拒",
    "menu_grant.insert": "新增菜单授权", "menu_grant.update": "修改菜单授权", "menu_grant.delete": "收回菜单授权",
}
# the database logins and OS users the entries name, as a reader knows them
DB_USERS = {"epi_web": "Web 应用", "epi_jobs": "系统任务", "postgres": "数据库管理员"}
# the accounts of the zone's own processes (a person's account is their OA account, shown as it is)
SYSTEM_ACCOUNTS = {"oa.units": "OA 机构导出刷新", "oa.menus": "OA 菜单授权刷新", "dba": "数据库管理员（命令行）",
                   "system": "系统", "healthz": "健康检查", "epi_jobs": "系统任务"}
# 详情's keys, in Chinese (a key not listed shows as it is; the raw entry stays one click away)
DETAIL_LABELS = {
    "venue_id": "公共场所ID", "venue_name": "公共场所", "unit_code": "机构编码", "unit_name": "监管单位",
    "reason": "事由", "conditions": "查询条件", "rows": "条数", "old": "修改前", "new": "修改后",
    "operation": "操作来源", "file_name": "文件", "load": "导入", "batch_id": "批次", "method": "登录方式",
    "account": "账号", "grantee": "授权对象", "grantee_kind": "授权对象类型", "menus": "菜单", "key": "设置项",
    "value": "值", "job": "任务", "at": "时间", "alert_id": "预警编号", "flow_min": "阈值最小值",
    "flow_max": "阈值最大值", "full": "完整信息", "scan_ids": "记录编号", "count": "数量", "day": "日期",
    "from": "从", "to": "至", "budget": "额度", "days": "天数", "head_name": "负责人", "head_phone": "负责人手机号",
    "active": "在用", "page": "页码", "sort": "排序", "dir": "方向", "collected_from": "采集时间从",
    "collected_to": "采集时间至", "id_card": "被采集人身份证", "phone": "联系电话", "person_name": "被采集人",
    "menu": "菜单", "error": "错误", "unreadable": "无法读取",
}


def detail_fields(detail) -> list[tuple[str, str]]:
    """详情 as labelled fields: (中文名, text) for each key of the entry's detail, nested values as
    "名：值；…"; menus and actions named in Chinese."""
    if isinstance(detail, str):   # the list reads it as JSON text
        with contextlib.suppress(ValueError):
            detail = json.loads(detail)
    if not isinstance(detail, dict):
        return [("内容", "" if detail is None else str(detail))] if detail not in (None, "", {}) else []
    return [(DETAIL_LABELS.get(k, k), _text(v, k)) for k, v in detail.items() if v not in (None, "", [], {})]


def _text(value, key: str = "") -> str:
    from web.auth import MENUS

    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_text(v, k)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "、".join(_text(v, key) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in ("menu", "menus") and isinstance(value, str) and value in MENUS:
        return MENUS[value].label
    if key == "grantee_kind":
        return {"account": "账号", "role": "角色"}.get(value, value)
    return str(value)


def menu_label(menu: str | None) -> str:
    """菜单或命令: a menu code in Chinese; a command (invoke …) as it is."""
    from web.auth import MENUS

    return MENUS[menu].label if menu in MENUS else (menu or "")


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


READABLE = {"detail_fields": detail_fields, "menu_label": menu_label, "db_users": DB_USERS,
            "system_accounts": SYSTEM_ACCOUNTS}


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
        return render_template("audit.html", rows=[], columns=COLUMNS, kinds=KINDS, actions=ACTION_LABELS, args=args,
                               paging=paging, head=head, bad=bad, posted=posted, **READABLE), 400
    with tx() as conn:
        rows, paging = listing.page_of(conn, "audit_list", params, paging, key=("audit_id",))
        head = conn.execute(SQL["audit_head"]).fetchone()
    place = {"page": str(paging.page)} if paging.page > 1 else {}
    write_access_entry("audit.query", typed | place, hashes, len(rows), query="audit_log_access")
    return render_template("audit.html", rows=rows, columns=COLUMNS, kinds=KINDS, actions=ACTION_LABELS, args=args,
                           paging=paging, head=head, bad=None, posted=posted, **READABLE)


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
