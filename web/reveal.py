"""查看完整个人信息 (menu scan_reveal, acting as the user's unit): one scan record's full
被采集人身份证, 被采集人 and 联系电话, after a reason (查看事由, 2–200 characters). The database looks
the record up under the caller's row-level security (another unit's record is a 404), checks the
reason and writes the audit entry; that transaction is committed before the values are sent."""
from __future__ import annotations

import json

import psycopg
from flask import Blueprint, abort, render_template, request

from core import crypto
from db.vocabulary import SHEET_TITLES
from web.auth import requires
from web.db import SQL, committed, one
from web.errors import BudgetRefused, rule_refusal
from web.exports import fields_workbook, xlsx_response
from web.queries import CONDITIONS, SCAN_COLUMNS, access_conditions, plaintext_pending, scan_filters, typed

# the only conditions an unmasked export takes (epi.export_scans_full checks them)
FULL_EXPORT_CONDITIONS = {"id_card", "phone", "venue_id", "collected_from", "collected_to"}

bp = Blueprint("reveal", __name__)

REASON_HINT = "请填写查看事由（2–200 个字，其中至少 2 个汉字、字母或数字）"


SEALED = ("personal", "key_version", "id_card_digest", "phone_digest")
PLAIN = ("plain_id_card", "plain_person_name", "plain_phone")   # a record not sealed yet (issue 50)


def opened(rows: list[dict]) -> list[dict]:
    """The rows with 被采集人身份证, 被采集人 and 联系电话 decrypted (issue 49): the database returned
    their ciphertext only after writing the access entry, which the caller's block committed."""
    sealer = crypto.sealer()
    out = []
    for row in rows:
        if row["personal"] is None and any(row.get(k) is not None for k in PLAIN):
            id_card, name, phone = (row.get(k) for k in PLAIN)   # stored before encryption, not sealed yet
        else:
            id_card, name, phone = sealer.open(row["personal"], row["key_version"], row["id_card_digest"],
                                               row["phone_digest"])
        record = {}
        for key, value in row.items():   # the three in the place of the ciphertext: the fields' order
            if key == "personal":
                record |= {"id_card": id_card, "person_name": name, "phone": phone}
            elif key not in SEALED + PLAIN:
                record[key] = value
        out.append(record)
    return out


def refusal(conn, rows: list[dict]) -> str:
    """The database's message when it refused the rows for the caller's budget or rate (no rows, the
    message in epi.refused, its audit entry in this transaction), else ''. The caller raises
    BudgetRefused (429) only after its block committed that entry (web.db.committed)."""
    return "" if rows else conn.execute(SQL["reveal_refused"]).fetchone()["message"]


def reveal_rows(scan_ids: list[int], reason: str | None) -> list[dict]:
    """The record in full (when the caller may see it); a reason the database's rule refuses is
    EP400 on the field reason, which web.errors answers (the database checks it after the record,
    so an invisible record stays not found); past the budget or rate, BudgetRefused (429)."""
    with committed() as conn:
        rows = conn.execute(SQL["reveal_scans"], {
            "scan_ids": scan_ids, "reason": (reason or "")[:1000], "export": False,
            "conditions": "{}", "hashes": []}).fetchall()
        refused = refusal(conn, rows)
    if refused:
        raise BudgetRefused(refused)
    return opened(rows)


def reveal(scan_id: int, reason: str | None) -> dict:
    """One record in full, or 404 (not the caller's) / 400 (no reason)."""
    rows = reveal_rows([scan_id], reason)
    if not rows:
        abort(404)
    return rows[0]


@bp.post("/scans/export/full")
@requires("scan_reveal")
def export_full():
    """The query's records as an xlsx with full personal data (the conditions and the reason posted
    in the form: a personal value never in the URL), narrow: one exact 被采集人身份证 or 联系电话, or one 公共场所ID within a
    采集时间 window of at most 24 hours, at most 5,000 rows — checked and run by the database
    (epi.export_scans_full), which audits it as scan.export (full) with the conditions and every id."""
    args = request.form
    _, params = scan_filters(args)   # times parsed as the list parses them (a bad one: 400)
    other = [k for k in CONDITIONS if k not in FULL_EXPORT_CONDITIONS | {"after", "before", "sort", "dir"}
             and typed(args, k)]
    if other:
        abort(400, description="导出完整信息只按被采集人身份证、联系电话，或公共场所ID加采集时间范围筛选，请去掉其他条件后再导出")
    conditions, hashes = access_conditions(args)
    with committed() as conn:
        full = conn.execute(SQL["export_scans_full"], {
            "id_card": crypto.sealer().id_digests(typed(args, "id_card") or None),
            "phone": crypto.sealer().phone_digests(typed(args, "phone") or None),
            "venue_id": typed(args, "venue_id") or None, "collected_from": params.get("collected_from"),
            "collected_to": params.get("collected_to"), "reason": (request.form.get("reason") or "")[:1000],
            "conditions": json.dumps(conditions, ensure_ascii=False), "hashes": hashes,
            "plain": json.dumps({"id_card": typed(args, "id_card") or None, "phone": typed(args, "phone") or None})
            if plaintext_pending() else None}).fetchall()
        refused = refusal(conn, full)
    if refused:
        raise BudgetRefused(refused)
    if not full:
        abort(404, description="没有符合条件的记录")
    data = fields_workbook(SHEET_TITLES["scans"], dict(SCAN_COLUMNS), opened(full))
    return xlsx_response(data, f"{SHEET_TITLES['scans']}（完整信息）.xlsx")


@bp.get("/scans/<int:scan_id>/reveal")
@requires("scan_reveal")
def reveal_form(scan_id):
    """The dialog's page without script: asks for the reason (404 for a record the user cannot see)."""
    one("scan_visible", scan_id=scan_id) or abort(404)
    return render_template("reveal_form.html", scan_id=scan_id, hint=REASON_HINT, error=None, reason="", back={})


@bp.post("/scans/<int:scan_id>/reveal")
@requires("scan_reveal")
def reveal_page(scan_id):
    """The record in full with every field of 扫码进场信息查询, and 返回查询 to the same results: the
    search's conditions, order and page came posted with the reason (back.*) and go back posted — a
    personal value never in a URL."""
    try:
        row = dict(reveal(scan_id, request.form.get("reason")))
    except psycopg.Error as exc:   # the reason the database's rule refused: beside the field, asked again
        refused = rule_refusal(exc)
        if refused is None or refused[1] != "reason":
            raise
        return render_template("reveal_form.html", scan_id=scan_id, hint=REASON_HINT, error=refused[0],
                               reason=(request.form.get("reason") or "")[:200], back=search_of(request.form)), 400
    row["unit_name"] = (one("scan_unit_name", scan_id=scan_id) or {}).get("unit_name") or "空"
    return render_template("reveal.html", row=row, columns=SCAN_COLUMNS, back=search_of(request.form),
                           reason=request.form.get("reason", "").strip())


def search_of(form) -> dict:
    """The search a reveal came from (its back.* fields): known conditions, order and page only."""
    known = set(CONDITIONS) | {"sort", "dir", "after", "before"}
    return {k[5:]: v[:200] for k, v in form.items() if k.startswith("back.") and k[5:] in known and v}
