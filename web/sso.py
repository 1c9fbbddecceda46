"""Sign-on by CAS 3.0 and OpenID Connect (issue 45), beside OA's own ticket (web.auth): `EPI_SSO`
lists the methods; `cas` is entered at /sso/cas, `oidc` at /sso/oidc.

CAS: /sso/cas?next=/path sends the browser to the CAS server's login with this URL as the service;
back with a service ticket, the ticket is validated at `p3/serviceValidate` (python-cas) with the
same service — the server answers success once, for that service only — and the account is the CAS
user, the name, 机构编码 and menus its attributes (EPI_SSO_*_ATTR). The session keeps the ticket's
hash; the CAS server's single logout (a logoutRequest POSTed to /sso/cas naming the ticket) ends it.

The provider is found by discovery (EPI_OIDC_ISSUER/.well-known/openid-configuration, whose issuer
must be the one configured). /sso/oidc sends the browser to the provider's authorization endpoint
with the authorization code flow, PKCE (S256), a random `state` and `nonce`; the state's SHA-256,
the nonce, the code verifier and the page to go on to are kept in the database (epi.sso_begin) —
not in the cookie, which a frame may lose — and taken once when the provider sends the user back
(epi.sso_take). The code is exchanged at the token endpoint (client_secret_basic); the ID token is
checked by PyJWT against the provider's JWKS: signature, issuer, audience, expiry, and its nonce
against the one kept. Account, name, 机构编码 and menus come from the claims EPI_SSO_*_ATTR name; the
user then has a server-side session like any other (web.auth.start_session), with the same rules:
the audit menu alone, a unit for the unit menus, the reveal budget. Every refusal is a Chinese
message naming the cause, an audit entry (epi.sso_refused) and no session. 退出 of such a session
also sends the browser to the provider's end_session_endpoint (RP-initiated logout; inside OA's
frame, which the provider refuses, a link opens it in a new window)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import cas
import jwt
import requests
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from psycopg.types.json import Jsonb

from web import auth

bp = Blueprint("sso", __name__)

TIMEOUT = 10          # seconds a provider may take to answer
DISCOVERY_TTL = 600   # seconds a provider's discovery document is kept


class Refused(auth.AuthError):
    """A sign-on refused: its message names the cause (401)."""


def enabled(method: str) -> bool:
    return method in current_app.config["SSO_METHODS"]


def _fetch_json(url: str, data: dict | None = None, basic: tuple[str, str] | None = None) -> dict:
    """GET (or POST a form to) a provider's endpoint; a provider that does not answer, or answers an
    error, is a Refused naming it."""
    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    if basic:
        token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        req.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as res:
            return json.loads(res.read(1 << 20))
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise Refused(f"身份提供方出错（HTTP {exc.code}），请稍后重试") from None
        raise Refused(f"身份提供方拒绝了请求（HTTP {exc.code}），请从 OA 系统重新进入") from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise Refused("身份提供方没有响应（连接失败或超时），请稍后重试") from None
    except ValueError:
        raise Refused("身份提供方的应答无法识别，请联系运维单位") from None


def provider() -> dict:
    """The provider's discovery document (kept DISCOVERY_TTL seconds per process)."""
    cached = current_app.extensions.get("epi_oidc")
    if cached and cached[0] > time.monotonic():
        return cached[1]
    issuer = current_app.config["OIDC_ISSUER"]
    doc = _fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if doc.get("issuer") != issuer:
        raise Refused("身份提供方的 issuer 与配置（EPI_OIDC_ISSUER）不符，拒绝登录")
    current_app.extensions["epi_oidc"] = (time.monotonic() + DISCOVERY_TTL, doc)
    return doc


def redirect_uri() -> str:
    return url_for("sso.oidc_callback", _external=True)


def _key(state: str) -> bytes:
    return hashlib.sha256(("state:" + state).encode()).digest()


def refuse(reason: str, account: str | None = None, method: str = "oidc") -> Refused:
    """The refusal's audit entry (committed), then the Refused to raise."""
    auth._ticket_call("select epi.sso_refused(%s, %s, %s)", (method, reason, account))
    return Refused(reason)


class _TimedSession(requests.Session):
    """python-cas asks the CAS server without a timeout: every request of it gets TIMEOUT."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def cas_client(next_path: str, popup: str | None = None):
    return cas.CASClient(version=3, server_url=current_app.config["CAS_URL"].rstrip("/") + "/",
                         service_url=url_for("sso.cas_entry", next=next_path, popup=popup, _external=True),
                         session=_TimedSession())


SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"


def session_index(xml: str) -> str | None:
    """The service ticket a CAS logoutRequest names (its samlp:SessionIndex), or None. Anyone may POST
    one, so it is read by the standard library's expat parser (no external entities, protection
    against entity expansion), at most 10 KB of it — not by lxml."""
    from xml.etree import ElementTree

    if not xml or len(xml) > 10_000:
        return None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    found = root.find(f".//{SAMLP}SessionIndex")
    text = (found.text or "").strip() if found is not None else ""
    return text[:256] or None


def _sso_ticket_key(ticket: str) -> bytes:
    return hashlib.sha256(("cas:" + ticket).encode()).digest()


@bp.route("/sso/cas", methods=["GET", "POST"])
def cas_entry():
    """CAS 3.0: to the CAS login, back with a service ticket (validated once, for this service), or —
    POSTed by the CAS server — a single logout ending the session begun from the ticket it names."""
    if not enabled("cas"):
        abort(404)
    if request.method == "POST":
        index = session_index(request.form.get("logoutRequest") or "")
        if index is None:
            abort(400, description="单点登出请求无法识别")
        auth._ticket_call("select epi.session_end_sso(%s)", (_sso_ticket_key(index),))
        return "", 200
    next_path, popup = auth.safe_next(request.args.get("next")), request.args.get("popup")
    if popup:                    # the pop-up of a sign-on begun in OA's frame
        next_path = pending(popup, "cas")
    elif framed():               # CAS's login refuses to be framed: on in a pop-up
        return break_out("cas", next_path)
    client = cas_client(next_path, popup)
    ticket = (request.args.get("ticket") or "").strip()
    if not ticket:
        return redirect(client.get_login_url())
    try:
        account, attributes, _ = client.verify_ticket(ticket[:256])
    except requests.RequestException:
        raise refuse("CAS 服务器没有响应（连接失败或超时），请稍后重试", method="cas") from None
    except Exception:   # an answer that is no CAS XML (python-cas parses it with ElementTree)
        raise refuse("CAS 服务器的应答无法识别，请联系运维单位", method="cas") from None
    if not account:
        raise refuse("CAS 服务器未确认此票据（已使用、已过期或不是签发给本系统的），请从 OA 系统重新进入", method="cas")
    claims = dict(attributes or {})
    config = current_app.config
    claims.setdefault(config["SSO_ACCOUNT_ATTR"], account)
    menus = claims.get(config["SSO_MENUS_ATTR"])
    if isinstance(menus, str):   # one menu: CAS sends one attribute value
        claims[config["SSO_MENUS_ATTR"]] = [menus]
    user, roles = user_of(claims, method="cas")
    return signed_on(user, roles, "cas", next_path, _handoff_key("popup", popup) if popup else None,
                     _sso_ticket_key(ticket))


@bp.get("/sso/jwt")
def jwt_entry():
    """OA's ticket entered at /sso/jwt?ticket=…&next=/path (as on any page: web.auth.load_user signs
    on and strips the ticket); then on to the page of the zone named by next."""
    if not enabled("jwt"):
        abort(404)
    from flask import g

    if g.user is None:
        raise auth.not_signed_in()
    return redirect(auth.safe_next(request.args.get("next")))


@bp.get("/sso/oidc")
def oidc_start():
    """Send the browser to the provider: code flow, PKCE, state and nonce kept in the database."""
    if not enabled("oidc"):
        abort(404)
    try:
        doc = provider()
    except Refused as exc:
        raise refuse(exc.message) from None
    next_path, popup = auth.safe_next(request.args.get("next")), request.args.get("popup")
    if popup:                    # the pop-up of a sign-on begun in OA's frame
        next_path = pending(popup, "oidc")
    elif framed():               # the provider refuses to be framed: on in a pop-up
        return break_out("oidc", next_path)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    auth._ticket_call("select epi.sso_begin(%s, %s, %s, %s, %s, %s)",
                      (_key(state), "oidc", nonce, verifier, next_path, _handoff_key("popup", popup) if popup else None))
    return redirect(doc["authorization_endpoint"] + "?" + urlencode({
        "response_type": "code", "client_id": current_app.config["OIDC_CLIENT_ID"], "redirect_uri": redirect_uri(),
        "scope": "openid profile", "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"}))


@bp.get("/sso/oidc/callback")
def oidc_callback():
    """The provider sent the user back: the state taken once, the code exchanged, the ID token
    checked, the claims mapped to the user; a session, or a refusal (audited, no session)."""
    if not enabled("oidc"):
        abort(404)
    if request.args.get("error"):
        raise refuse(f"身份提供方未同意登录（{request.args['error'][:60]}），请从 OA 系统重新进入")
    state, code = request.args.get("state") or "", request.args.get("code") or ""
    kept = auth._ticket_row("select method, nonce, verifier, next, handoff from epi.sso_take(%s)", (_key(state),)) \
        if state else None
    if kept is None:
        raise refuse("登录状态无效、已使用或已过期（state 不符），请从 OA 系统重新进入")
    if not code:
        raise refuse("身份提供方没有返回授权码，请从 OA 系统重新进入")
    config = current_app.config
    try:
        doc = provider()
        tokens = _fetch_json(doc["token_endpoint"], {
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(),
            "code_verifier": kept["verifier"]}, basic=(config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"] or ""))
    except Refused as exc:
        raise refuse(exc.message) from None
    claims = id_token_claims(tokens.get("id_token") or "", doc, kept["nonce"])
    user, roles = user_of(claims)
    return signed_on(user, roles, "oidc", kept["next"], kept["handoff"])


def framed() -> bool:
    """Whether the browser says this page is loaded in a frame (OA's)."""
    return request.headers.get("Sec-Fetch-Dest") == "iframe"


def _handoff_key(kind: str, value: str) -> bytes:
    return hashlib.sha256(f"handoff-{kind}:{value}".encode()).digest()


EXPIRED = "登录窗口已过期或已使用（须在 10 分钟内完成登录），请关闭此窗口，回到 OA 重新进入"


def break_out(method: str, next_path: str):
    """Inside OA's frame (issue 45, point 4): identity providers refuse to be framed, so the frame
    shows a page that opens the sign-on in a pop-up, top level on the zone's own site. The frame keeps
    a secret (in this page only), the pop-up gets a public id; both are kept server-side as hashes
    (epi.sso_handoff_begin) — not in a cookie, which the frame's partition would not share with the
    pop-up."""
    secret, popup = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    auth._ticket_call("select epi.sso_handoff_begin(%s, %s, %s, %s)",
                      (_handoff_key("frame", secret), _handoff_key("popup", popup), method, next_path))
    entry = "sso.cas_entry" if method == "cas" else "sso.oidc_start"
    return render_template("sso_breakout.html", popup_url=url_for(entry, popup=popup), secret=secret,
                           window_url=url_for(entry, next=next_path)), 200


def pending(popup: str, method: str) -> str:
    """The page to go on to of the framed sign-on this pop-up was opened for; else a refusal."""
    row = auth._ticket_row("select method, next from epi.sso_handoff_pending(%s)", (_handoff_key("popup", popup[:100]),))
    if row is None or row["method"] != method:
        raise refuse(EXPIRED, method=method)
    return row["next"]


def signed_on(user: auth.User, roles: list[str] | None, method: str, next_path: str, handoff: bytes | None,
              cas_ticket: bytes | None = None):
    """A sign-on succeeded: the user's session and on to the page asked — or, in the pop-up of a sign-on
    begun in OA's frame, the user left for the frame under a one-time code, which the pop-up's page
    passes to the window that opened it (and to no other: postMessage to the zone's own origin)."""
    if handoff is None:
        _begin(user, roles, method, cas_ticket)
        return redirect(next_path)
    code = secrets.token_urlsafe(32)
    left = auth._ticket_call("select epi.sso_handoff_complete(%s, %s, %s)", (handoff, _handoff_key("code", code), Jsonb(
        {"user": user.as_dict(), "roles": roles, "ticket": cas_ticket.hex() if cas_ticket else None})))
    if not left:
        raise refuse(EXPIRED, user.account, method)
    return render_template("sso_popup_done.html", code=code)


def _begin(user: auth.User, roles: list[str] | None, method: str, cas_ticket: bytes | None) -> None:
    auth.start_session(user, roles)
    if cas_ticket:   # the CAS server's single logout names it
        auth._ticket_call("select epi.session_mark_sso(%s, %s)", (auth.session_key(session["sid"]), cas_ticket))
    session["sso"] = method   # 退出 then also ends the provider's session (logout_redirect)


HANDOFF_REFUSED = "登录交接无效或已过期（须在 10 分钟内完成登录），请从 OA 系统重新进入"


@bp.post("/sso/handoff")
def handoff():
    """The frame brings its secret and the code the pop-up handed it: the user signed on in the pop-up
    is taken once (epi.sso_handoff_take) and the frame's own session begins — in the frame's cookie
    partition, which the pop-up could not reach."""
    secret, code = (request.form.get("secret") or "")[:100], (request.form.get("code") or "")[:100]
    row = auth._ticket_row("select method, next, signed_on from epi.sso_handoff_take(%s, %s)",
                           (_handoff_key("frame", secret), _handoff_key("code", code))) if secret and code else None
    if row is None or not enabled(row["method"]):
        raise refuse(HANDOFF_REFUSED, method="frame")
    data, kept = row["signed_on"], row["signed_on"]["user"]
    user = auth.User(kept["account"], kept["name"], kept.get("unit"), tuple(kept["menus"]))
    _begin(user, data["roles"], row["method"], bytes.fromhex(data["ticket"]) if data.get("ticket") else None)
    return redirect(row["next"])


def logout_url(method: str | None) -> str | None:
    """After 退出 of a session signed on through CAS or the OpenID provider: their logout too (CAS
    `logout?service=`; OIDC RP-initiated logout at its end_session_endpoint), back to the zone's home
    page; None when the session came another way or the provider offers none."""
    if method == "cas" and enabled("cas"):
        return cas_client("/").get_logout_url(redirect_url=url_for("signin.home", _external=True))
    if method != "oidc" or not enabled("oidc"):
        return None
    try:
        endpoint = provider().get("end_session_endpoint")
    except Refused:
        return None
    if not endpoint:
        return None
    return endpoint + "?" + urlencode({"client_id": current_app.config["OIDC_CLIENT_ID"],
                                       "post_logout_redirect_uri": url_for("signin.home", _external=True)})


def id_token_claims(token: str, doc: dict, nonce: str) -> dict:
    """The ID token's claims, checked: signature by the provider's JWKS, issuer, audience, expiry
    (30 s leeway), nonce; else a refusal naming the cause."""
    config = current_app.config
    try:
        claims = jwt.decode(token, _signing_key(doc["jwks_uri"], token), algorithms=["RS256", "ES256", "PS256"], audience=config["OIDC_CLIENT_ID"],
                            issuer=config["OIDC_ISSUER"], leeway=30, options={"require": ["iss", "aud", "exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise refuse("身份凭据（ID token）已过期，请从 OA 系统重新进入") from None
    except jwt.InvalidIssuerError:
        raise refuse("身份凭据的签发方（iss）与配置不符，拒绝登录") from None
    except jwt.InvalidAudienceError:
        raise refuse("身份凭据不是签发给本系统的（aud 不符），拒绝登录") from None
    except jwt.PyJWKClientConnectionError:
        raise refuse("身份提供方没有响应（无法取得签名公钥），请稍后重试") from None
    except jwt.PyJWTError:
        raise refuse("身份凭据（ID token）无效或签名不符，拒绝登录") from None
    if not secrets.compare_digest(str(claims.get("nonce") or ""), nonce):
        raise refuse("身份凭据的 nonce 与本次登录不符，拒绝登录", _account(claims))
    return claims


def _signing_key(jwks_uri: str, token: str):
    """The provider's key that signed the token: by its kid, or the provider's only signing key when
    the token names none (a provider with one key may leave kid out)."""
    keys = jwt.PyJWKClient(jwks_uri, timeout=TIMEOUT).get_signing_keys()
    kid = jwt.get_unverified_header(token).get("kid")
    chosen = [k for k in keys if k.key_id == kid] if kid else (keys if len(keys) == 1 else [])
    if not chosen:
        raise jwt.InvalidSignatureError("no signing key matches")
    return chosen[0].key


def _account(claims: dict) -> str | None:
    value = claims.get(current_app.config["SSO_ACCOUNT_ATTR"])
    return value if isinstance(value, str) and value.strip() else None


def user_of(claims: dict, method: str = "oidc") -> tuple[auth.User, list[str] | None]:
    """The user the claims (or CAS attributes) name (EPI_SSO_*_ATTR), checked as an OA ticket's are,
    and — when the claims hold no menus — the OA roles they name, whose grants (OA's role export,
    epi.menus_granted) are then the user's menus, read again on every request (None: menus given)."""
    config = current_app.config
    account = _account(claims)
    if account is None:
        raise refuse(f"身份凭据缺少账号（声明 {config['SSO_ACCOUNT_ATTR']}），请联系运维单位检查身份提供方的配置",
                     method=method)
    menus, roles = claims.get(config["SSO_MENUS_ATTR"]), None
    if menus is None:   # identity only: the menus are OA's grants to the account and its roles
        roles = claims.get(config["SSO_ROLES_ATTR"]) or []
        roles = [roles] if isinstance(roles, str) else roles
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise refuse(f"身份凭据中的角色（声明 {config['SSO_ROLES_ATTR']}）格式错误，请联系运维单位", account, method)
        roles = sorted({r.strip()[:100] for r in roles if r.strip()})[:200]
        menus = list(auth._ticket_call("select epi.menus_granted(%s, %s)", (account, roles)) or [])
        if not menus:
            raise refuse(f"账号 {account} 在 OA 的菜单授权中没有本专区的菜单（身份凭据未带菜单权限，声明 "
                         f"{config['SSO_MENUS_ATTR']}；OA 菜单授权导出中也没有此账号或其角色），请联系运维单位",
                         account, method)
    try:
        user = auth.user_from_claims({"sub": account, "name": claims.get(config["SSO_NAME_ATTR"]) or account,
                                      "unit": claims.get(config["SSO_UNIT_ATTR"]), "menus": menus})
    except auth.AuthError as exc:
        raise refuse(exc.message, account, method) from None
    if any(auth.MENUS[m].acts_as == "unit" for m in user.menus) and not user.unit:
        raise refuse(f"账号 {account} 有监管单位的菜单，但身份凭据中没有机构编码（声明 {config['SSO_UNIT_ATTR']}），拒绝登录",
                     account, method)
    if any(auth.MENUS[m].acts_as == "unit" for m in user.menus) and not _unit_active(user.unit, account):
        raise refuse(f"机构编码 {user.unit[:40]} 不对应本专区在用的监管单位（OA 机构导出中没有此单位，或已停用），拒绝登录",
                     account, method)
    return user, roles


def _unit_active(code: str, account: str) -> bool:
    """Whether the 机构编码 is an active unit of the zone, asked acting as that unit (it sees its own
    row and nothing else), in a short transaction of its own."""
    from db import database
    from web.db import SQL, pool

    with pool().connection() as conn, conn.transaction():
        database.act_as(conn, kind="unit", unit=code, account=account)
        row = conn.execute(SQL["sso_unit_active"]).fetchone()
    return bool(row and row["active"])
