"""场所人流量阈值管理 (menu threshold, acting as the user's unit): the unit's venues by whether a
threshold is set, and one venue's thresholds edited. The rules are the database's
(epi.threshold_problems); a broken one comes back as the field's message."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request

from db.vocabulary import FLOW
from web.auth import requires
from web.db import SQL, one, tx
from web.venues import back_to_list, tabbed_venues

bp = Blueprint("thresholds", __name__)


def save_thresholds(venue_id: str, values: dict[str, str | None]) -> dict[str, str]:
    """Write one venue's thresholds (text as typed, None = not set) when the database's rules hold;
    otherwise write nothing and return each field's message. 404 when the caller may not see the
    venue."""
    with tx() as conn:
        errors: dict[str, str] = {}
        for problem in conn.execute(SQL["threshold_problems"], values):
            errors.setdefault(problem["field"], problem["message"])
        if errors:
            return errors
        if conn.execute(SQL["threshold_update"], {"venue_id": venue_id, **values}).rowcount == 0:
            abort(404)
    return {}


@bp.get("/thresholds")
@requires("threshold")
def thresholds():
    return tabbed_venues("threshold_tab_counts", "threshold_list", "thresholds.html")


@bp.route("/thresholds/<anyid:venue_id>", methods=["GET", "POST"])
@requires("threshold")
def threshold_edit(venue_id):
    venue = one("venue_get", venue_id=venue_id) or abort(404)
    errors: dict = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() or None for k in FLOW}
        errors = save_thresholds(venue_id, values)
        if not errors:
            tab = "set" if any(v is not None for v in values.values()) else "unset"
            return redirect(back_to_list("thresholds.thresholds", tab=tab, saved=venue_id))
        venue = dict(venue, **{k: request.form.get(k) for k in FLOW})
    return render_template("threshold_form.html", venue=venue, errors=errors)
