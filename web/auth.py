"""OA sign-on, menu rights and CSRF.

OA opens a page with ``?ticket=<JWT>`` (HS256 with EPI_OA_JWT_SECRET; claims sub, name, unit, menus,
exp): the ticket is checked, the user kept in the session, and the ticket removed from the URL. The
JSON API takes the same JWT as ``Authorization: Bearer``. Menus not granted are neither shown nor
served (403). A development sign-in exists only when EPI_DEV_LOGIN=1.
"""
from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass
from typing import NamedTuple

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
    return User(sub.strip(), str(claims.get("name") or sub), unit or None,
                tuple(m for m in menus if m in MENUS))


def verify_ticket(token: str) -> User:
    secret = current_app.config.get("OA_JWT_SECRET")
    if not secret:
        raise AuthError("系统未配置 OA 单点登录密钥，无法验证登录凭据")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]},
                            leeway=30)
    except jwt.ExpiredSignatureError:
        raise AuthError("登录凭据已过期，请从 OA 系统重新进入") from None
    except jwt.InvalidSignatureError:
        raise AuthError("登录凭据签名无效，请从 OA 系统重新进入") from None
    except jwt.PyJWTError:
        raise AuthError("登录凭据无效，请从 OA 系统重新进入") from None
    return user_from_claims(claims)


def load_user() -> None:
    """Before each request: the user from a Bearer token (API), a ?ticket= (entry) or the session."""
    g.user = None
    g.api_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = verify_ticket(header[7:].strip())
        g.api_token = True
        return
    ticket = request.args.get("ticket")
    if ticket:
        user = verify_ticket(ticket)
        session.clear()
        session["user"] = user.as_dict()
        session["csrf"] = secrets.token_urlsafe(32)
        session.permanent = True
        from urllib.parse import urlencode

        args = [(k, v) for k, v in request.args.items(multi=True) if k != "ticket"]
        g.redirect_to = request.path + ("?" + urlencode(args) if args else "")
        g.user = user
        return
    data = session.get("user")
    if data:
        g.user = User(data["account"], data["name"], data.get("unit"), tuple(data.get("menus", [])))


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            raise AuthError("请从 OA 系统进入疫情防控监管专区")
        return view(*args, **kwargs)
    wrapped.menu = "signed_in"
    return wrapped


def quoted(label: str) -> str:
    """A name in “”, unless it already holds them (“扫码”预警 is not quoted twice)."""
    return label if "“" in label else f"“{label}”"


def requires(menu: str):
    """Refuse (403) a signed-in user without this menu; otherwise the request's database work acts
    as the menu says (g.acts_as, read by web.db.tx)."""
    acts_as = MENUS[menu].acts_as

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                raise AuthError("请从 OA 系统进入疫情防控监管专区")
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
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="请求已失效（安全校验未通过），请刷新页面后重试")


def redirect_after_ticket():
    target = g.get("redirect_to")
    return redirect(target) if target else None
