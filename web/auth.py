"""OA sign-on, menu rights and CSRF.

OA opens a page with ``?ticket=<JWT>`` (HS256 with EPI_OA_JWT_SECRET; claims sub, name, unit, menus,
exp): the ticket is checked, the user kept in the session, and the ticket removed from the URL. The
JSON API takes the same JWT as ``Authorization: Bearer``. Menus not granted are neither shown nor
served (403). A development sign-in exists only when EPI_DEV_LOGIN=1.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote

import jwt
from flask import abort, current_app, g, redirect, request, session

from db import database


class Menu(NamedTuple):
    label: str
    acts_as: str     # the database identity of its requests: 'ops' (the ops unit), 'unit' (the user's own)
                     # or 'auditor' (the audit log, nothing else: separation of duties)
    url: str | None  # its page in the menu bar (None: a right on other pages, no page of its own)


MENUS = {  # the OA menu codes (SPEC section 6); a route declares its menu with @requires
    "venue_admin": Menu("场所信息管理", "ops", "/venues"),
    "threshold": Menu("场所人流量阈值管理", "unit", "/thresholds"),
    "scan_admin": Menu("扫码进场信息管理", "ops", "/scan-admin"),
    "scan_query": Menu("扫码进场信息查询", "unit", "/scans"),
    "scan_stats": Menu("扫码统计查询", "unit", "/stats"),
    "alert": Menu("“扫码”预警", "unit", "/alerts"),
    # reveal one scan record's full personal data, with a reason (on the 扫码进场信息查询 pages)
    "scan_reveal": Menu("查看完整个人信息", "unit", None),
    # the audit log (审计日志): an auditor's menu, apart from ops' (GB/T 22239-2019 separation of duties)
    "audit": Menu("审计日志", "auditor", "/audit"),
}


def menus_acting_as(kind: str) -> list[str]:
    """The menu codes whose requests act as ``kind`` ('ops' or 'unit'), in MENUS' order."""
    return [code for code, menu in MENUS.items() if menu.acts_as == kind]


def mixes_audit(menus) -> bool:
    """Whether menu codes mix the auditor's menu with others (separation of duties forbids it)."""
    kinds = {MENUS[m].acts_as for m in menus if m in MENUS}
    return "auditor" in kinds and len(kinds) > 1


SEPARATE_AUDIT = "审计账号不得兼任其他菜单：请在 OA 中为审计员单独设置账号，只授予“审计日志”菜单"


class AuthError(Exception):
    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class User:
    account: str
    name: str
    unit: str | None
    menus: tuple[str, ...]

    def has(self, menu: str) -> bool:
        return menu in self.menus

    @property
    def is_ops(self) -> bool:
        return self.has("venue_admin") or self.has("scan_admin")

    def as_dict(self):
        return {"account": self.account, "name": self.name, "unit": self.unit, "menus": list(self.menus)}


def user_from_claims(claims: dict) -> User:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise AuthError("登录凭据缺少账号（sub）")
    menus = claims.get("menus") or []
    if not isinstance(menus, list) or not all(isinstance(m, str) for m in menus):
        raise AuthError("登录凭据中的菜单权限（menus）格式错误")
    unit = claims.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise AuthError("登录凭据中的机构编码（unit）格式错误")
    # separation of duties (等保 2.0 level 3): the audit administrator is no system administrator and
    # reveals no personal data, so the audit menu comes alone
    known = [m for m in menus if m in MENUS]
    if mixes_audit(known):
        raise AuthError(SEPARATE_AUDIT, 403)
    return User(sub.strip(), str(claims.get("name") or sub), unit or None,
                tuple(m for m in menus if m in MENUS))


class Ticket(NamedTuple):
    user: User
    key: bytes             # SHA-256 of its jti (of its decoded header and claims when it has none)
    expires: dt.datetime


def verify_ticket(token: str) -> Ticket:
    """An OA ticket's signature, account and times: ``iat`` and ``exp`` are required and a ticket may
    live at most EPI_TICKET_MAX_MINUTES (10) — a leaked one is worth little, and little for long."""
    if "jwt" not in current_app.config.get("SSO_METHODS", ["jwt"]):
        raise AuthError("本系统未启用 OA 票据登录（EPI_SSO），请从 OA 的单点登录入口进入")
    secret = current_app.config.get("OA_JWT_SECRET")
    if not secret:
        raise AuthError("系统未配置 OA 单点登录密钥，无法验证登录凭据")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "iat"]},
                            leeway=30)
    except jwt.ExpiredSignatureError:
        raise AuthError("登录凭据已过期，请从 OA 系统重新进入") from None
    except jwt.InvalidSignatureError:
        raise AuthError("登录凭据签名无效，请从 OA 系统重新进入") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"登录凭据缺少 {exc.claim}（{CLAIM_NAMES.get(exc.claim, exc.claim)}），请从 OA 系统重新进入") from None
    except jwt.PyJWTError:
        raise AuthError("登录凭据无效，请从 OA 系统重新进入") from None
    limit = current_app.config["TICKET_MAX_MINUTES"]
    if not isinstance(claims["iat"], int | float) or claims["exp"] - claims["iat"] > limit * 60:
        raise AuthError(f"登录凭据的有效期超过 {limit} 分钟，不予接受，请从 OA 系统重新进入")
    return Ticket(user_from_claims(claims), ticket_key(token, claims),
                  dt.datetime.fromtimestamp(claims["exp"], dt.UTC))


def ticket_key(token: str, claims: dict) -> bytes:
    """The "used once" key: SHA-256 of the ticket's jti, or — without one — of its decoded header and
    claims as canonical JSON (issue 43, point 2). Keyed on the raw token, a re-encoding of the same
    ticket (padding appended to a segment) was a new ticket; decoded, it is the same one."""
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:
        return hashlib.sha256(("jti:" + jti).encode()).digest()
    decoded = json.dumps([jwt.get_unverified_header(token), claims], sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(("jwt:" + decoded).encode()).digest()


CLAIM_NAMES = {"iat": "签发时间", "exp": "过期时间", "sub": "账号"}
USED = "该登录凭据已使用过（每个凭据只能进入一次），请从 OA 系统重新进入"


def _ticket_call(sql: str, params: tuple):
    """The web login itself, in a short transaction of its own (committed before anything is sent)."""
    from web.db import pool

    with pool().connection() as conn, conn.transaction():
        return next(iter(conn.execute(sql, params).fetchone().values()))


def _ticket_row(sql: str, params: tuple) -> dict | None:
    """The first row of a web-login call (a sign-on's state), or None."""
    from web.db import pool

    with pool().connection() as conn, conn.transaction():
        return conn.execute(sql, params).fetchone()


def use_ticket(ticket: Ticket) -> None:
    if not _ticket_call("select epi.ticket_use(%s, %s)", (ticket.key, ticket.expires)):
        raise AuthError(USED)


def sign_on(ticket: Ticket) -> None:
    """Use the ticket up and start a new session for its user."""
    use_ticket(ticket)
    start_session(ticket.user)


def session_key(sid: str) -> bytes:
    """The database's key of a session: SHA-256 of the random id the cookie carries."""
    return hashlib.sha256(("sid:" + sid).encode()).digest()


def _limits() -> tuple[int, int]:
    """(idle seconds, absolute seconds): EPI_SESSION_IDLE_MINUTES (30), EPI_SESSION_MAX_HOURS (8)."""
    return current_app.config["SESSION_IDLE_MINUTES"] * 60, current_app.config["SESSION_MAX_HOURS"] * 3600


def start_session(user: User, roles: list[str] | None = None) -> None:
    """A new session for ``user`` (issue 43, point 1): a random id in the cookie, its row in the
    database (epi.session_begin, which ends the session this browser had and purges expired ones),
    a new CSRF token kept with it. With ``roles`` (a sign-on that released no menus, issue 45), the
    session's menus are OA's grants to the account and these roles, read on every request."""
    old, sid = session.get("sid"), secrets.token_urlsafe(32)
    _ticket_call("select epi.session_begin(%s, %s, %s, %s, %s, %s)",
                 (session_key(sid), user.account, session_key(old) if isinstance(old, str) else None, *_limits(),
                  roles))
    session.clear()
    session["user"] = user.as_dict()
    session["csrf"] = secrets.token_urlsafe(32)
    session["sid"] = sid
    session.permanent = True
    g.user = user


ENDED = {
    "logout": "您已退出疫情防控监管专区，请从 OA 系统重新进入",
    "switch": "此会话已因切换账号而结束，请从 OA 系统重新进入",
    "unknown": "会话已失效，请从 OA 系统重新进入",
}


def _session_user() -> User | None:
    """The session's user, while its row lives (epi.session_check, every request: 退出 anywhere, the
    idle limit EPI_SESSION_IDLE_MINUTES and the absolute limit EPI_SESSION_MAX_HOURS end every copy of
    the cookie in every web process); else the cookie is cleared — its CSRF token with it — and the
    reason kept for the message."""
    data, sid = session.get("user"), session.get("sid")
    if not data:
        return None
    verdict, granted = "unknown", None
    if isinstance(sid, str):   # the import page's polling is not the user's activity
        row = _ticket_row("select verdict, menus from epi.session_check(%s, %s, %s, %s)",
                          (session_key(sid), *_limits(), not request.path.startswith(POLLS)))
        verdict, granted = row["verdict"], row["menus"]
    if verdict != "ok":
        g.session_ended = {
            "absolute": f"登录已超过 {current_app.config['SESSION_MAX_HOURS']} 小时，会话已结束，请从 OA 系统重新进入",
            "idle": f"已超过 {current_app.config['SESSION_IDLE_MINUTES']} 分钟未操作，会话已结束，请从 OA 系统重新进入",
        }.get(verdict) or ENDED.get(verdict, ENDED["unknown"])
        session.clear()
        return None
    menus = tuple(data.get("menus", []))
    if granted is not None:   # OA's grants as they are now (issue 45): a revoked menu is gone at once
        menus = tuple(m for m in MENUS if m in granted)
        if mixes_audit(menus):
            menus = ()   # separation of duties: OA's grants mix the audit menu with others — none until fixed
    return User(data["account"], data["name"], data.get("unit"), menus)


def end_session() -> None:
    """退出: the session's row ends (every copy of the cookie is signed out), then the cookie is cleared."""
    sid = session.get("sid")
    if isinstance(sid, str):
        _ticket_call("select epi.session_end(%s)", (session_key(sid),))
    session.clear()


POLLS = ("/scan-admin/jobs/",)


def load_user() -> None:
    """Before each request: the user from a Bearer token (API), a ?ticket= (entry) or the session."""
    g.user = None
    g.api_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and request.path != "/metrics":   # /metrics: its own token (web.metrics)
        token = verify_ticket(header[7:].strip())
        if _ticket_call("select epi.ticket_used(%s)", (token.key,)):
            raise AuthError(USED)
        g.user = token.user
        g.api_token = True
        return
    if request.endpoint == "static":   # a stylesheet or script: no user, no session check
        return
    current = _session_user()
    raw = request.args.get("ticket") if request.endpoint != "sso.cas_entry" else None   # there: a CAS ticket
    if raw:
        ticket = verify_ticket(raw)
        from urllib.parse import quote, urlencode

        args = [(k, v) for k, v in request.args.items(multi=True) if k != "ticket"]
        g.redirect_to = safe_next(quote(request.path) + ("?" + urlencode(args) if args else ""))
        if current is not None and current.account != ticket.user.account:
            g.user = current
            g.switch_to = (raw, ticket.user)  # asked first (web.signin.switch); the ticket stays unused
            return
        sign_on(ticket)
        return
    g.user = current


def not_signed_in() -> AuthError:
    return AuthError(g.get("session_ended") or "请从 OA 系统进入疫情防控监管专区")


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            raise not_signed_in()
        return view(*args, **kwargs)
    wrapped.menu = "signed_in"
    return wrapped


def quoted(label: str) -> str:
    """A menu's name in 【】, as the pages name menus: a name that holds quotes itself (“扫码”预警) reads
    right (“ ” around it read as mixed quotes, issue 47)."""
    return f"【{label}】"


def requires(menu: str):
    """Refuse (403) a signed-in user without this menu; otherwise the request's database work acts
    as the menu says (g.acts_as, read by web.db.tx)."""
    acts_as = MENUS[menu].acts_as

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                raise not_signed_in()
            if not g.user.has(menu):
                raise AuthError(f"您没有{quoted(MENUS[menu].label)}菜单的权限", 403)
            if acts_as == "unit" and not g.user.unit:
                raise AuthError("您的账号未关联监管单位（机构编码），无法使用此功能", 403)
            g.acts_as = acts_as
            database.claim(**(database.claims() | {"menu": menu}))  # the audit entries' menu
            return view(*args, **kwargs)
        wrapped.menu = menu  # read by the access-matrix test: every route declares what it needs
        return wrapped
    return decorator


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """State-changing requests of a signed-in browser must carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("api_token"):
        return
    if request.endpoint == "sso.cas_entry" and "logoutRequest" in request.form:
        return   # the CAS server's single logout, server to server: it names a service ticket, nothing else
    if request.endpoint == "sso.handoff":
        return   # a framed sign-on's hand-off: the frame has no session yet; its secret and code are the proof
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="请求已失效（安全校验未通过），请刷新页面后重试")


def redirect_after_ticket():
    """After a ticket: the page without it in the URL — or, when the ticket is another account's
    than the session's, a page that asks before switching (the ticket is used only on 切换账号)."""
    if g.get("switch_to"):
        from flask import render_template

        raw, other = g.switch_to
        return render_template(
            "confirm.html", title="切换账号", button="切换账号", action="/switch-account",
            message=f"您当前以 {g.user.name}（{g.user.account}）登录。OA 打开的是 {other.name}（{other.account}）的入口："
                    "切换后当前账号的会话将结束。是否切换？",
            hidden={"ticket": raw, "next": g.redirect_to}, back=g.redirect_to), 200
    target = g.get("redirect_to")
    return redirect(target) if target else None


# what a browser drops from a URL before reading it: C0 controls and space, DEL and C1 controls, and
# the invisible format characters (zero-width, bidi controls, BOM)
_INVISIBLE = re.compile("[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def safe_next(target: str | None) -> str:
    """A path of this zone to go on to after sign-on or 切换账号 (issue 43, point 3): a single leading
    ``/`` followed by neither ``/`` nor ``\\`` once percent-decoded and stripped of what browsers
    ignore (``/%09/evil``, ``/\\t/evil``, ``/%2F%2Fevil``, ``/%5Cevil`` are other hosts); a target
    holding a control character or a backslash anywhere, or any other, is ``/``."""
    if not target or _INVISIBLE.search(target.replace(" ", "")) or "\\" in target:
        return "/"
    probe = target
    for _ in range(3):   # %252F decoded twice by some proxy in between
        probe = _INVISIBLE.sub("", unquote(probe))
    if not probe.startswith("/") or probe[1:2] in ("/", "\\"):
        return "/"
    return target
