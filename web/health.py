"""Health routes: /healthz (this process answers), /readyz (what a load balancer asks: the database
answers and its schema is the code's), /healthz/jobs (what monitoring asks: the nightly at its time
in the schedule, texts in doubt, the sync — never a reason to take the zone out of service)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify

from jobs import schedule as timetable
from web import db as webdb

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: this process answers (whatever the database does)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is the code's; which server answers."""
    from db.upgrade import head_revision

    head = current_app.config.setdefault("SCHEMA_HEAD", head_revision())
    try:
        row = webdb.schema_revision()
    except Exception:  # any failure to answer is 'not ready'
        return jsonify(error="数据库无法连接（如在主备切换中，稍后自动恢复）"), 503, {"Retry-After": "5"}
    revision = row["revision"]
    if revision != head:
        return jsonify(error=f"数据库结构版本为 {revision or '无'}，本程序需要 {head}：请先执行 invoke db.upgrade"), 503
    # which server serves (behind a Patroni cluster: the leader the connection string reached)
    return jsonify(status="ok", revision=revision, server=f"{row['host']}:{row['port']}" if row["host"] else "local")


@bp.get("/healthz/jobs")
def healthz_jobs():
    """The last nightly, texts in doubt, the front-database sync."""
    try:
        with webdb.tx("ops", account="healthz") as conn:
            row = conn.execute(webdb.SQL["job_health"]).fetchone()
            sync = conn.execute(webdb.SQL["sync_state"]).fetchone()
            nightly = timetable.read(conn)["nightly"]
    except Exception:
        return jsonify(error="数据库无法连接", reasons=["数据库无法连接"]), 503
    reasons = []
    if row["nightly_ok_at"] is None or row["nightly_ok_at"] < dt.datetime.now(dt.UTC) - dt.timedelta(hours=26):
        reasons.append(timetable.nightly_missing(nightly))
    if row["sms_in_doubt"]:
        reasons.append(f"有 {row['sms_in_doubt']} 条短信结果不明，需运维确认")
    if sync["sync_on"] and sync["last_ok"] is False:
        reasons.append("前置库同步最近一次失败")
    body = {"nightly_ok_at": row["nightly_ok_at"] and row["nightly_ok_at"].isoformat(),
            "sms_in_doubt": row["sms_in_doubt"], "sync_on": sync["sync_on"], "sync_ok": sync["last_ok"]}
    if reasons:
        return jsonify(error="；".join(reasons), reasons=reasons, **body), 503
    return jsonify(status="ok", **body)
