"""Query helpers that the pages, the JSON API and its OpenAPI description share: the scan list's
columns and filters, its keyset cursor, and the statistics' date range. Rows are decided by the
database (RLS); these only turn request arguments into conditions."""
from __future__ import annotations

import base64
import datetime as dt
import time
from dataclasses import dataclass

from flask import current_app
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb
from werkzeug.exceptions import BadRequest

from core import crypto
from core.common import BadTime, parse_collected_at, range_end
from db import audit_hmac
from db.vocabulary import SCAN, SCAN_IMPORT, SCAN_LIST, SHANGHAI
from web.db import one, tx, write_access_entry
from web.errors import rules_as_conditions

SCAN_COLUMNS = list(SCAN_LIST.items())  # (column, label) of the scan list, pages and exports
# 扫码进场信息管理's record list (ops): the file's 15 fields, then 数据导入人, 数据导入时间
SCAN_ADMIN_COLUMNS = list((SCAN | SCAN_IMPORT).items())
FILTER_LABELS = list(SCAN_LIST.items())  # the conditions of both lists, in the columns' order
EXACT = {"venue_id", "id_card", "phone"}
CONTAINS = {"venue_name", "category", "city", "street", "venue_admin", "person_name", "collect_result",
            "nat_result", "nat_result_time", "health_code", "collector_location", "unit_name", "imported_by"}
# personal data: oa.scan shows the masks, so these conditions match the keyed digests of the full
# values through epi.find_scans (exact for 被采集人身份证 and 联系电话, contains for 被采集人; issue 49)
PERSONAL = ("id_card", "phone", "person_name")
RANGES = {"collected": "collected_at", "imported": "imported_at"}  # <name>_from / <name>_to
RANGE_LABELS = {"collected": SCAN["collected_at"], "imported": SCAN_IMPORT["imported_at"]}
PAGE = 50
EXPORT_CAP = 100_000


class BadCondition(BadRequest):
    """A list's condition that cannot be used (a date that does not exist, a name of one character):
    a 400 with its message for the JSON API, a message beside the conditions on a page (which then
    shows no rows), never the error page. ``field``: the condition's parameter, when it is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(description=message)
        self.field = field


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def parse_date(text: str | None, default: dt.date, field: str | None = None) -> dt.date:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadCondition(f"日期“{text[:20]}”格式应为 YYYY-MM-DD", field) from None


def typed(args, key: str) -> str:
    """A filter as typed, trimmed and capped at 200 characters ('' when absent)."""
    return (args.get(key) or "").strip()[:200]


REVERSED_RANGE = "开始日期不能晚于结束日期"   # the one message for a reversed range, on every page (issue 47)


def scan_filters(args):
    """(sql conditions, params) from the request's filters; only known columns."""
    conds, params = [], {}
    personal = {col: typed(args, col) or None for col in PERSONAL}
    if any(personal.values()):
        conds.append(sql.SQL("(collected_at, scan_id) in (select * from epi.find_scans("
                             "%(find_id_card)s::bigint[], %(find_phone)s::bigint[], %(find_name)s::bigint[], %(find_name_old)s::bigint[], "
                             "%(find_name_chars)s::integer, %(find_plain)s::jsonb))"))
        params |= personal_digests(personal["id_card"], personal["phone"], personal["person_name"],
                                   plain=plaintext_pending())
    for col in EXACT - set(PERSONAL):
        value = typed(args, col)
        if value:
            conds.append(sql.SQL("{} = {}").format(sql.Identifier(col), sql.Placeholder(col)))
            params[col] = value
    for col in CONTAINS - set(PERSONAL):
        value = typed(args, col)
        if value:
            conds.append(sql.SQL("{} like {}").format(sql.Identifier(col), sql.Placeholder(col)))
            params[col] = like_pattern(value)
    for name, col in RANGES.items():
        for side, op in (("from", ">="), ("to", "<")):
            value = (args.get(f"{name}_{side}") or "").strip()
            if value:
                try:
                    when = parse_collected_at(value)
                except BadTime as exc:
                    raise BadCondition(f"{RANGE_LABELS[name]}（{'起' if side == 'from' else '止'}）：{exc}",
                                       f"{name}_{side}") from None
                if side == "to":
                    when = range_end(value, when)
                    if f"{name}_from" in params and params[f"{name}_from"] >= when:
                        raise BadCondition(REVERSED_RANGE, f"{name}_from")
                key = f"{name}_{side}"
                conds.append(sql.SQL("{} {} {}").format(sql.Identifier(col), sql.SQL(op), sql.Placeholder(key)))
                params[key] = when
    return conds, params


def personal_digests(id_card: str | None, phone: str | None, name: str | None, *, plain: bool = False) -> dict:
    """epi.find_scans' arguments for what was typed: the keyed digests (core/crypto.py; the database
    never sees the values) under each key version a record may be sealed under (one; two while a
    rotation runs, issue 50), and how many characters the name has (its rule: 2 or more). With
    ``plain`` (records stored before encryption still wait to be sealed: plaintext_pending), the
    typed values too, which the database matches against those records only."""
    sealer = crypto.sealer()
    names = sealer.name_queries(name)
    typed_values = {"id_card": id_card, "phone": phone, "person_name": name}
    return {"find_id_card": sealer.id_digests(id_card), "find_phone": sealer.phone_digests(phone),
            "find_name": names and names[0], "find_name_old": names[1] if names and len(names) > 1 else None,
            "find_name_chars": None if name is None else len(crypto.norm_name(name)),
            "find_plain": Jsonb(typed_values) if plain and any(typed_values.values()) else None}


PENDING_SECONDS = 30.0


def plaintext_pending() -> bool:
    """Whether records stored before encryption still wait to be sealed (`invoke keys.encrypt-existing`
    runs online, issue 50), asked at most every PENDING_SECONDS: a stale yes only passes typed values
    that are not needed; the answer turns yes only at an upgrade, after which processes restart."""
    pending = current_app.extensions.setdefault("epi_plaintext_pending", [-PENDING_SECONDS, True])
    now = time.monotonic()
    if now - pending[0] >= PENDING_SECONDS:
        pending[:] = [now, bool(one("plaintext_pending")["pending"])]
    return pending[1]


CONDITIONS = sorted(EXACT | CONTAINS | {f"{name}_{side}" for name in RANGES for side in ("from", "to")}
                    | {"after", "before", "sort", "dir"})
SEARCHED = ("id_card", "phone")  # an access entry holds their keyed hashes (db/audit_hmac.py)


def access_conditions(args) -> tuple[dict, list[str]]:
    """The request's conditions for its access entry (the database masks the personal ones), and
    the keyed hash of each searched ID number and phone."""
    conditions = {k: v for k in CONDITIONS if (v := typed(args, k))}
    return conditions, [audit_hmac.subject_hash(conditions[col]) for col in SEARCHED if col in conditions]


def record_access(action: str, args, rows: int) -> None:
    """The access entry of the scan query page, API page or export just read (scan.query,
    scan.export), committed before its rows are sent."""
    conditions, hashes = access_conditions(args)
    write_access_entry(action, conditions, hashes, rows)


SORTS = ("collected_at", "imported_at")  # a scan list's orders (indexed per venue), newest first by default
COUNT_BOUND = 10_000  # a scan list counts exactly up to here, then says 超过 10,000 条


@dataclass(frozen=True)
class ScanOrder:
    """A scan list's order and the page's place in it: ``after`` (下一页) or ``before`` (上一页) a
    row, as (sort value, scan_id); the first page has neither."""
    sort: str = "collected_at"
    desc: bool = True
    after: tuple | None = None
    before: tuple | None = None

    @property
    def direction(self) -> str:
        return "desc" if self.desc else "asc"


def scan_order(args) -> ScanOrder:
    sort = args.get("sort") if args.get("sort") in SORTS else SORTS[0]
    desc = args.get("dir") != "asc"
    after, before = args.get("after"), args.get("before")
    return ScanOrder(sort, desc, decode_cursor(after) if after else None,
                     decode_cursor(before) if before and not after else None)


def encode_cursor(row, sort: str = "collected_at") -> str:
    return base64.urlsafe_b64encode(f"{row[sort].isoformat()}|{row['scan_id']}".encode()).decode()


def decode_cursor(text: str):
    try:
        when, scan_id = base64.urlsafe_b64decode(text.encode()).decode().split("|")
        return dt.datetime.fromisoformat(when), int(scan_id)
    except (ValueError, UnicodeDecodeError):
        raise BadCondition("分页参数无效，请从第一页重新查询") from None


def _scan_query(args, limit: int, columns=SCAN_COLUMNS, order: ScanOrder | None = None):
    """(the page query, the bounded count, the parameters). A page before a row is read in the
    opposite order (the caller turns it round)."""
    order = order or scan_order(args)
    conds, params = scan_filters(args)
    where = sql.SQL("where ") + sql.SQL(" and ").join(conds) if conds else sql.SQL("")
    count = sql.SQL("select count(*) as n from (select 1 from oa.scan {where} limit {n}) s").format(
        where=where, n=sql.Literal(limit))
    backwards = order.before is not None
    at = order.after or order.before
    if at:
        params["at_value"], params["at_id"] = at
        op = "<" if order.desc != backwards else ">"
        conds = [*conds, sql.SQL("({}, scan_id) {} ({}, {})").format(
            sql.Identifier(order.sort), sql.SQL(op), sql.Placeholder("at_value"), sql.Placeholder("at_id"))]
        where = sql.SQL("where ") + sql.SQL(" and ").join(conds)
    direction = sql.SQL("desc" if order.desc != backwards else "asc")
    wanted = columns + ([(order.sort, "")] if order.sort not in dict(columns) else [])
    query = sql.SQL("select scan_id, {cols} from oa.scan {where} order by {sort} {d}, scan_id {d} limit {n}").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c, _ in wanted), where=where, sort=sql.Identifier(order.sort),
        d=direction, n=sql.Literal(limit))
    return query, count, params


def query_scans(args, limit: int, columns=SCAN_COLUMNS, order: ScanOrder | None = None):
    """Scans matching the request's filters in its order, after its cursor (or, before one, in the
    opposite order: scan_page turns them round); ``limit`` rows at most."""
    query, _, params = _scan_query(args, limit, columns, order)
    with tx() as conn, rules_as_conditions(conn):   # a search the database's rules refuse (a name too short)
        return conn.execute(query, params).fetchall()


def count_scans(args, limit: int) -> int:
    """How many scans match the request's filters, counted up to ``limit``."""
    _, count, params = _scan_query(args, limit)
    with tx() as conn, rules_as_conditions(conn):
        return conn.execute(count, params).fetchone()["n"]


def stream_scans(args, limit: int, columns=SCAN_COLUMNS):
    """The same scans as rows of values in the columns' order, read through a server-side cursor
    as they are sent (an export's memory does not grow with its rows)."""
    order = scan_order(args)
    query, _, params = _scan_query(args, limit, columns, ScanOrder(order.sort, order.desc))  # from the start
    with tx() as conn, conn.cursor(name="scan_export", row_factory=tuple_row) as cur:
        cur.itersize = 2000
        cur.execute(query, params)
        for row in cur:
            yield row[1:len(columns) + 1]


def personal(args) -> bool:
    """Whether a scan list's conditions search by a personal value (被采集人身份证, 被采集人, 联系电话):
    then they travel only in a POST's body, never in a URL, a redirect or a link (issue 42, point 6)."""
    return any(typed(args, k) for k in PERSONAL)


def request_conditions():
    """A scan list's conditions: the posted form's (without its CSRF token) for a POST — a search
    by a personal value, or its paging, sorting and export —, else the query string's."""
    from flask import request
    from werkzeug.datastructures import MultiDict

    if request.method == "POST":
        return MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"])
    return request.args


def list_args(args) -> dict:
    """A scan list's conditions and order, without its place (what every link of the page keeps)."""
    return {k: v for k, v in args.items() if k not in ("after", "before") and v}


@dataclass(frozen=True)
class ScanPage:
    rows: list
    order: ScanOrder
    next: str | None      # cursor of 下一页
    prev: str | None      # cursor of 上一页 (None on the first page)
    count: int | None = None  # matching scans, exact up to COUNT_BOUND (None when not counted)

    @property
    def count_text(self) -> str:
        if self.count is None:
            return ""
        if self.count > COUNT_BOUND:
            return f"超过 {COUNT_BOUND:,} 条"
        return f"共 {self.count:,} 条"


def page_or_message(args, columns=SCAN_COLUMNS) -> tuple[ScanPage, BadCondition | None]:
    """A scan list page for the HTML pages: counted, with its access entry; or, when a condition
    cannot be used, no rows (and no entry: nothing was read) and the condition's message."""
    try:
        page = scan_page(args, columns, counted=True)
    except BadCondition as bad:
        return ScanPage([], ScanOrder(), None, None, 0), bad
    record_access("scan.query", args, len(page.rows))
    return page, None


def scan_page(args, columns=SCAN_COLUMNS, counted: bool = False) -> ScanPage:
    """One page of a scan list in the request's order, keyset-paged both ways (no OFFSET): the
    rows, the cursors of the pages either side, and (``counted``) the bounded count."""
    order = scan_order(args)
    rows = query_scans(args, PAGE + 1, columns, order)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    if order.before:
        rows.reverse()
        has_prev, has_next = more, True
    else:
        has_prev, has_next = order.after is not None, more
    count = count_scans(args, COUNT_BOUND + 1) if counted else None
    return ScanPage(rows, order,
                    encode_cursor(rows[-1], order.sort) if rows and has_next else None,
                    encode_cursor(rows[0], order.sort) if rows and has_prev else None, count)


# 扫码统计查询's combined conditions (besides the 采集时间 day range): the columns' names as parameters
STATS_EXACT = ("venue_id",)
STATS_CONTAINS = ("venue_name", "category", "street", "unit_name")
STATS_FILTERS = STATS_EXACT + STATS_CONTAINS


def like_pattern(text: str) -> str:
    """A contains condition as a LIKE pattern (the typed text matched literally)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def stats_filters(args) -> tuple[dict, dict]:
    """(the conditions as typed, the stats query's parameters; '' = no condition)."""
    typed_ = {col: typed(args, col) for col in STATS_FILTERS}
    params = {col: like_pattern(v) if v and col in STATS_CONTAINS else v for col, v in typed_.items()}
    return {k: v for k, v in typed_.items() if v}, params


def stats_range(args):
    """The statistics' 采集时间 date range: default the 30 days up to yesterday, at most a year."""
    end = parse_date(args.get("to"), today() - dt.timedelta(days=1), "to")
    start = parse_date(args.get("from"), end - dt.timedelta(days=29), "from")
    if start > end:
        raise BadCondition(REVERSED_RANGE, "from")
    if (end - start).days > 366:
        raise BadCondition("统计范围不能超过一年", "from")
    return start, end
