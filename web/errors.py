"""How a refusal or failure reaches the user: one response for all of them (:func:`error`) —
``{"error": …}`` for the API, the health routes and a client that asks for JSON, the error page
otherwise — and the handlers that turn each kind of exception into it. Whatever the request wrote
is rolled back; a message that may quote a value is masked."""
from __future__ import annotations

import contextlib
import traceback

import psycopg
from flask import Flask, current_app, g, jsonify, render_template, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from loaders.errors import mask_personal
from web import auth

# the SQLSTATE the database raises when a value breaks one of the zone's rules (epi.rule_limits):
# its message is for the user, its COLUMN names the field it concerns
RULE_REFUSED = "EP400"

HTTP_MESSAGES = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "找不到该页面或数据（可能不属于您的单位）",
                 405: "不支持的请求方式", 429: "操作过于频繁，请稍后重试"}


class BudgetRefused(Exception):
    """A reveal or an unmasked export past the caller's daily budget or per-minute rate (the
    database's refusal, already audited): 429 with its message, which says when it resets."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/readyz")) or request.accept_mimetypes.best == \
        "application/json"


def rule_refusal(exc: BaseException) -> tuple[str, str | None] | None:
    """(message, field) of a value refused by a rule of the database; None for any other error."""
    if isinstance(exc, psycopg.Error) and exc.sqlstate == RULE_REFUSED:
        return exc.diag.message_primary or "数据不符合规则", exc.diag.column_name
    return None


@contextlib.contextmanager
def rules_as_conditions(conn):
    """Run a list's query in a savepoint; a value a rule refused becomes the list's BadCondition
    (its message beside its field on a page, a 400 for the API), and the request goes on."""
    from web.queries import BadCondition

    try:
        with conn.transaction():
            yield
    except psycopg.Error as exc:
        refused = rule_refusal(exc)
        if refused is None:
            raise
        raise BadCondition(*refused) from None


def error(status: int, message: str, field: str | None = None):
    g.db_rollback = True  # whatever the request wrote is undone
    message = mask_personal(message)  # a rule's or a driver's message may quote a value
    if wants_json():
        return jsonify(error=message, **({"field": field} if field else {})), status
    return render_template("error.html", status=status, message=message), status


DATABASE_SWITCHING = "数据库连接中断（可能正在进行主备切换），本次操作未生效，请稍后重试"
COMMIT_IN_DOUBT = "数据库连接在保存时中断（可能正在进行主备切换），本次操作是否已生效未知：请稍后刷新页面核对，确认未生效再重试"


def _connection_lost(exc: Exception) -> bool:
    """An error of the connection itself: none made, or broken (admin shutdown, crash, read-only
    after a demotion), not a statement's refusal."""
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith(("08", "57P")) or state == "25006"


def init_app(app: Flask) -> None:
    @app.errorhandler(auth.AuthError)
    def auth_error(exc):
        return error(exc.status, exc.message)

    @app.errorhandler(BudgetRefused)
    def budget_refused(exc):
        """A reveal or unmasked export past the account's budget or rate: the database's message,
        which says when it resets (its refusal is already audited and committed)."""
        return error(429, exc.message)

    @app.errorhandler(psycopg.DatabaseError)
    def rule_refused(exc):
        """A value a rule of the database refused (EP400): its message, naming its field."""
        refused = rule_refusal(exc)
        if refused is None:
            return unexpected(exc)
        return error(400, *refused)

    @app.errorhandler(psycopg.errors.CheckViolation)
    def rule_broken(exc):
        return error(400, exc.diag.message_primary or "数据不符合规则")

    @app.errorhandler(psycopg.errors.LockNotAvailable)
    def lock_busy(exc):
        """A month's drop that could not get its lock in time (epi_private.lock_scans_exclusively):
        nothing changed; the user is told to retry."""
        message = exc.diag.message_primary or ""
        return error(503, message if _chinese(message) else "系统繁忙，请稍后重试")

    @app.errorhandler(psycopg.errors.QueryCanceled)
    def too_slow(exc):
        return error(503, "查询超时，请缩小查询范围（如日期范围）后重试")

    @app.errorhandler(PoolTimeout)
    def busy(exc):
        from web.db import unreachable_recently

        response, status = error(503, DATABASE_SWITCHING if unreachable_recently() else "系统繁忙，请稍后重试")
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(psycopg.OperationalError)
    def database_lost(exc):
        """The connection to the database broke or none could be made: the leader died and the
        cluster is electing another (README "High availability"), or the server restarts. What the
        request wrote is rolled back; the pool drops the broken connection; a retry soon works."""
        if rule_refusal(exc) is not None or not _connection_lost(exc):
            return rule_refused(exc)
        current_app.logger.warning("database connection lost: %s", type(exc).__name__)
        response, status = error(503, DATABASE_SWITCHING)
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(psycopg.DataError)
    def bad_data(exc):
        # a value PostgreSQL cannot take (a NUL byte, a number past bigint, an impossible date)
        return error(400, "请求中的数据格式或取值范围不正确")

    @app.errorhandler(psycopg.errors.InsufficientPrivilege)
    def refused(exc):
        message = exc.diag.message_primary or ""
        return error(403, message if _chinese(message) else "没有权限执行此操作")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 413:
            default = f"上传的文件过大（不能超过 {current_app.config['MAX_CONTENT_LENGTH'] // 1048576} MB）"
        else:
            default = HTTP_MESSAGES.get(exc.code, "请求无法处理")
        return error(exc.code or 500, exc.description if _chinese(exc.description) else default,
                     getattr(exc, "field", None))   # a list's condition (web.queries.BadCondition) names its field

    @app.errorhandler(Exception)
    def unexpected(exc):
        # the traceback's last line may quote a value (a driver's DETAIL: Key (…)=(…)): masked
        current_app.logger.error("unexpected error\n%s", mask_personal("".join(traceback.format_exception(exc))))
        return error(500, "系统内部错误，请稍后重试或联系运维单位")
