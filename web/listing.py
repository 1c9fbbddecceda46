"""Paged, sortable lists (every list but the scan lists, which are keyset-paged by web.queries):
共 N 条, page numbers, 20/50/100 a page, and a server-side sort by any shown column.

A list's query is a named query of web/sql/ without ``order by`` / ``limit``; ``page_of`` wraps it
with a count and with the chosen order, a tie-break on the list's key, and ``limit``/``offset``.
The sort column comes only from the list's own columns (an unknown one falls back to the default),
so no text of the request reaches the SQL."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from psycopg import sql

from web.db import SQL, tx

SIZES = (20, 50, 100)


@dataclass(frozen=True)
class Paging:
    page: int
    size: int
    sort: str
    desc: bool
    total: int = 0
    sums: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def numbers(self) -> list[int | None]:
        """The page numbers to link (None = a gap): first, last and two either side of this one."""
        keep = {1, self.pages} | set(range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1))
        out: list[int | None] = []
        for n in sorted(keep):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paging_of(args, columns, default: str, desc: bool = False) -> Paging:
    """The request's page, page size and sort (``sort`` one of ``columns``, ``dir`` asc/desc)."""
    try:
        size = int(args.get("size") or SIZES[0])
    except ValueError:
        size = SIZES[0]
    size = size if size in SIZES else SIZES[0]
    try:
        page = max(1, min(int(args.get("page") or 1), 100_000))
    except ValueError:
        page = 1
    sort = args.get("sort") if args.get("sort") in columns else default
    direction = args.get("dir")
    is_desc = desc if sort == default and direction not in ("asc", "desc") else direction == "desc"
    return Paging(page, size, sort, is_desc)


def page_of(conn, query: str, params: dict, paging: Paging, key: tuple[str, ...], focus=None, sums=()):
    """(rows of the page, the paging with its total and its page clamped to the last one). With
    ``focus`` (a value of the list's single-column key, e.g. the venue just saved) the page is the
    one that holds that row, when it is in the list. ``sums``: columns summed over the whole list,
    as ``paging.sums``."""
    base = _base(query)
    if sums and focus is None:
        found = _page_with_sums(conn, base, params, paging, key, sums)
        if found is not None:
            return found
    counted = conn.execute(sql.SQL("select count(*) as listing_total{} from ({}) q").format(
        sql.SQL("").join(sql.SQL(", coalesce(sum({c}), 0) as {c}").format(c=sql.Identifier(c)) for c in sums), base),
        params).fetchone()
    total = counted["listing_total"]
    order = _order(paging.sort, paging.desc, key)
    page = paging.page
    if focus is not None and len(key) == 1:
        found = conn.execute(sql.SQL("select rn from (select {k}, row_number() over (order by {o}) as rn from ({b}) q) r "
                                     "where {k} = %(listing_focus)s").format(k=sql.Identifier(key[0]), o=order, b=base),
                             params | {"listing_focus": focus}).fetchone()
        if found:
            page = math.ceil(found["rn"] / paging.size)
    paging = Paging(min(page, max(1, math.ceil(total / paging.size))), paging.size, paging.sort, paging.desc, total,
                    {c: counted[c] for c in sums})
    text = sql.SQL("select * from ({}) q order by {} limit {} offset {}").format(
        base, order, sql.Literal(paging.size), sql.Literal(paging.offset))
    return conn.execute(text, params).fetchall(), paging


def _page_with_sums(conn, base, params: dict, paging: Paging, key: tuple[str, ...], sums):
    """A list summed over all its rows (扫码统计查询: every venue's total is computed whatever the
    page) in one statement: the page with the whole list's count and sums beside each row, so the
    totals are computed once, not for a count and again for the page. None when the page is past
    the list's end (the caller counts and clamps it)."""
    windows = sql.SQL("").join(sql.SQL(", coalesce(sum({c}) over (), 0) as {a}").format(
        c=sql.Identifier(c), a=sql.Identifier(f"listing_sum_{c}")) for c in sums)
    text = sql.SQL("select *, count(*) over () as listing_total{} from ({}) q order by {} limit {} offset {}").format(
        windows, base, _order(paging.sort, paging.desc, key), sql.Literal(paging.size), sql.Literal(paging.offset))
    rows = conn.execute(text, params).fetchall()
    if not rows:
        return None if paging.page > 1 else ([], Paging(1, paging.size, paging.sort, paging.desc, 0,
                                                        {c: 0 for c in sums}))
    first = rows[0]
    done = Paging(paging.page, paging.size, paging.sort, paging.desc, first["listing_total"],
                  {c: first[f"listing_sum_{c}"] for c in sums})
    extra = {"listing_total", *(f"listing_sum_{c}" for c in sums)}
    return [{k: v for k, v in r.items() if k not in extra} for r in rows], done


def ordered(conn, query: str, params: dict, sort: str, desc: bool, key: tuple[str, ...], limit: int):
    """The first ``limit`` rows of a list in one order (its export, its JSON API)."""
    text = sql.SQL("select * from ({}) q order by {} limit {}").format(
        _base(query), _order(sort, desc, key), sql.Literal(limit))
    return conn.execute(text, params).fetchall()


def ordered_json(conn, query: str, params: dict, sort: str, desc: bool, key: tuple[str, ...], limit: int) -> str:
    """The first ``limit`` rows of a list in one order as a JSON array of objects (the list's
    columns in order), written by PostgreSQL: a long answer (/api/stats: every venue of a unit) is
    not a Python object per value, built and serialised while the other requests wait."""
    order = _order(sort, desc, key)
    text = sql.SQL("select coalesce(json_agg(q order by {o}), '[]'::json)::text as rows "
                   "from (select * from ({b}) q order by {o} limit {n}) q").format(
        o=order, b=_base(query), n=sql.Literal(limit))
    return conn.execute(text, params).fetchone()["rows"]


def _base(query: str) -> sql.Composable:
    return sql.SQL(SQL[query].rstrip().rstrip(";").replace("{", "{{").replace("}", "}}"))


def _order(sort: str, desc: bool, key: tuple[str, ...]) -> sql.Composable:
    """``sort`` (empty values last), then the list's key, both in the same direction."""
    direction = sql.SQL("desc" if desc else "asc")
    return sql.SQL(", ").join(
        [sql.SQL("{} {} nulls last").format(sql.Identifier(sort), direction)]
        + [sql.SQL("{} {}").format(sql.Identifier(k), direction) for k in key if k != sort])


def tally(conn, query: str, params: dict, column: str) -> dict:
    """How many rows of the list hold each value of ``column`` (a list's tabs' counts under the
    same conditions as the list itself, from the list's own query)."""
    rows = conn.execute(sql.SQL("select {c} as value, count(*) as n from ({b}) q group by 1").format(
        c=sql.Identifier(column), b=_base(query)), params).fetchall()
    return {r["value"]: r["n"] for r in rows}


def count(conn, query: str, params: dict, limit: int) -> int:
    """How many rows the list holds, counted up to ``limit`` (an export's cap)."""
    return conn.execute(sql.SQL("select count(*) as n from (select 1 from ({}) q limit {}) c").format(
        _base(query), sql.Literal(limit)), params).fetchone()["n"]


def stream(query: str, params: dict, sort: str, desc: bool, key: tuple[str, ...], limit: int, kind: str | None = None):
    """The first ``limit`` rows of a list in one order, read through a server-side cursor as they
    are sent (an export's memory does not grow with its rows)."""
    text = sql.SQL("select * from ({}) q order by {} limit {}").format(_base(query), _order(sort, desc, key),
                                                                        sql.Literal(limit))
    with tx(kind) as conn, conn.cursor(name="list_export") as cur:
        cur.itersize = 2000
        cur.execute(text, params)
        yield from cur
