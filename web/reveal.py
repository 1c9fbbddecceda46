"""查看完整个人信息 (menu scan_reveal, acting as the user's unit): one scan record's full
被采集人身份证, 被采集人 and 联系电话, after a reason (查看事由, 2–200 characters). The database looks
the record up under the caller's row-level security (another unit's record is a 404), checks the
reason and writes the audit entry; that transaction is committed before the values are sent."""
from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request

from db.vocabulary import SHEET_TITLES
from web.auth import requires
from web.db import SQL, committed, one
from web.exports import fields_workbook, xlsx_response
from web.queries import EXPORT_CAP, SCAN_COLUMNS, access_conditions, query_scans

bp = Blueprint("reveal", __name__)

REASON_HINT = "请填写查看事由（2–200 个字，其中至少 2 个汉字、字母或数字）"


def reveal_rows(scan_ids: list[int], reason: str | None, *, export_args=None) -> list[dict]:
    """The records in full, newest first (those the caller may see); 400 without a reason (the
    database checks it after the records, so invisible records stay not found). With
    ``export_args`` (the query's arguments) it is an unmasked export, audited with its conditions."""
    conditions, hashes = access_conditions(export_args) if export_args is not None else ({}, [])
    # a reason the database's rule refuses is EP400 on the field reason: web.errors answers it
    with committed() as conn:
        return conn.execute(SQL["reveal_scans"], {
            "scan_ids": scan_ids, "reason": (reason or "")[:1000], "export": export_args is not None,
            "conditions": json.dumps(conditions, ensure_ascii=False), "hashes": hashes}).fetchall()


def reveal(scan_id: int, reason: str | None) -> dict:
    """One record in full, or 404 (not the caller's) / 400 (no reason)."""
    rows = reveal_rows([scan_id], reason)
    if not rows:
        abort(404)
    return rows[0]


@bp.post("/scans/export/full")
@requires("scan_reveal")
def export_full():
    """The query's records as an xlsx with full personal data (the conditions in the query string,
    the reason in the form); audited as scan.export (full) with the conditions and every record's id."""
    cap = EXPORT_CAP
    rows = query_scans(request.args, cap + 1)
    if len(rows) > cap:
        abort(400, description=f"符合条件的记录超过 {cap} 条，请缩小查询范围后再导出")
    if not rows:
        abort(404, description="没有符合条件的记录")
    full = reveal_rows([r["scan_id"] for r in rows], request.form.get("reason"), export_args=request.args)
    units = {r["scan_id"]: r["unit_name"] for r in rows}
    data = fields_workbook(SHEET_TITLES["scans"], dict(SCAN_COLUMNS),
                           (dict(r, unit_name=units.get(r["scan_id"])) for r in full))
    return xlsx_response(data, f"{SHEET_TITLES['scans']}（完整信息）.xlsx")


@bp.get("/scans/<int:scan_id>/reveal")
@requires("scan_reveal")
def reveal_form(scan_id):
    """The dialog's page without script: asks for the reason (404 for a record the user cannot see)."""
    one("scan_visible", scan_id=scan_id) or abort(404)
    return render_template("reveal_form.html", scan_id=scan_id, hint=REASON_HINT)


@bp.post("/scans/<int:scan_id>/reveal")
@requires("scan_reveal")
def reveal_page(scan_id):
    row = reveal(scan_id, request.form.get("reason"))
    columns = [(c, label) for c, label in SCAN_COLUMNS if c in row]
    return render_template("reveal.html", row=row, columns=columns, reason=request.form.get("reason", "").strip())
