"""场所信息管理 (menu venue_admin, acting as ops): the venue registry's tabs, one venue at a time
created, edited or deleted."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from db.vocabulary import VENUE, VENUE_LIST
from web import listing
from web.auth import requires
from web.db import SQL, all_rows, one, tx
from web.queries import like_pattern, typed

bp = Blueprint("venues", __name__)

VENUE_FIELDS = list(VENUE.items())  # (column, label) of the venue form


# a venue list's state, kept through an edit and back: tab, the filters, order and page size
FILTERS = ("q", "category", "street", "unit")
LIST_STATE = ("tab", *FILTERS, "sort", "dir", "size")


def tabbed_venues(counts_query: str, list_query: str, template: str):
    """A venue list with 未设置 / 已设置 tabs, filters (an ID or a part of a name; 类别, 所在街道, 监管单位
    — its 机构编码 or a part of its name), paged and sorted by any of its columns (also the threshold
    module's list). After a save (``saved``), the page that holds the saved row, the row marked."""
    tab = "set" if request.args.get("tab") == "set" else "unset"
    filters = {k: typed(request.args, k) for k in FILTERS}
    paging = listing.paging_of(request.args, VENUE_LIST, "venue_id")
    params = {"unset": tab == "unset"} | filters | {f"{k}_like": like_pattern(v) for k, v in filters.items()}
    with tx() as conn:
        counts = conn.execute(SQL[counts_query]).fetchone()
        rows, paging = listing.page_of(conn, list_query, params, paging, key=("venue_id",),
                                       focus=None if request.args.get("page") else request.args.get("saved"))
    args = {"tab": tab} | {k: v for k, v in filters.items() if v}
    state = args | {"sort": paging.sort, "dir": "desc" if paging.desc else "asc", "size": str(paging.size)}
    return render_template(template, tab=tab, q=filters["q"], filters=filters, counts=counts, rows=rows,
                           paging=paging, args=args, state=state)


def back_to_list(endpoint: str, **more) -> str:
    """The list as it was when the form was opened (its state came along in the form's URL), at the
    page of the saved row, scrolled to it."""
    kept = {k: v for k in LIST_STATE if (v := (request.args.get(k) or "").strip()[:200])}
    return url_for(endpoint, **(kept | more)) + "#saved"


def tab_of(unit_code) -> str:
    return "set" if unit_code else "unset"


@bp.get("/venues")
@requires("venue_admin")
def venues():
    return tabbed_venues("venue_tab_counts", "venue_list", "venues.html")


def _form_data():
    data = {k: (request.form.get(k) or "").strip() or None for k in VENUE}
    data["unit_code"] = (request.form.get("unit_code") or "").strip() or None
    return data


def _save(data: dict, new: bool) -> dict[str, str]:
    """Write the venue as the form gives it when the database's rules hold (epi.venue_form_problems;
    epi.venue_form_save applies them to the write); otherwise write nothing and return each field's
    message. 404 when the venue to update is not there."""
    with tx() as conn:
        errors: dict[str, str] = {}
        for problem in conn.execute(SQL["venue_form_problems"], data | {"new": new}):
            errors.setdefault(problem["field"], problem["message"])
        if new and "venue_id" not in errors and \
                conn.execute(SQL["venue_get"], {"venue_id": data["venue_id"].strip()}).fetchone():
            errors["venue_id"] = f"该{VENUE['venue_id']}已存在"
        if errors:
            return errors
        if not conn.execute(SQL["venue_form_save"], data | {"new": new}).fetchone()["saved"]:
            abort(404)
    return {}


@bp.route("/venues/new", methods=["GET", "POST"])
@requires("venue_admin")
def venue_new():
    units = all_rows("units_for_choice")
    errors, data = {}, {"city": "开平市"}
    if request.method == "POST":
        data = _form_data()
        errors = _save(data, new=True)
        if not errors:
            venue_id = data["venue_id"].strip()
            return redirect(back_to_list("venues.venues", tab=tab_of(data["unit_code"]), saved=venue_id))
    return render_template("venue_form.html", venue=data, units=units, errors=errors, new=True, fields=VENUE_FIELDS)


@bp.route("/venues/<anyid:venue_id>/edit", methods=["GET", "POST"])
@requires("venue_admin")
def venue_edit(venue_id):
    venue = one("venue_get", venue_id=venue_id) or abort(404)
    units = all_rows("units_for_choice")
    errors: dict = {}
    if request.method == "POST":
        data = _form_data()
        data["venue_id"] = venue_id
        errors = _save(data, new=False)
        if not errors:
            return redirect(back_to_list("venues.venues", tab=tab_of(data["unit_code"]), saved=venue_id))
        venue = venue | data
    return render_template("venue_form.html", venue=venue, units=units, errors=errors, new=False, fields=VENUE_FIELDS)


@bp.route("/venues/<anyid:venue_id>/delete", methods=["GET", "POST"])
@requires("venue_admin")
def venue_delete(venue_id):
    venue = one("venue_get", venue_id=venue_id) or abort(404)
    if request.method == "POST":
        with tx() as conn:
            conn.execute(SQL["venue_delete"], {"venue_id": venue_id})
        return redirect(url_for("venues.venues", tab=tab_of(venue["unit_code"]), deleted=venue_id))
    return render_template("confirm.html", title="删除场所",
                           message=f"确认删除场所“{venue['venue_name'] or venue_id}”（{venue_id}）？"
                                   "该场所的扫码记录会保留，监管单位将显示为“空”。",
                           action=url_for("venues.venue_delete", venue_id=venue_id), button="确认删除",
                           back=url_for("venues.venues"))
