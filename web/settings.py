"""The web app's settings: the configuration (core.config) mapped into Flask's ``app.config``
(flaskr's ``from_mapping``), and what the web app alone needs of it, checked at start."""
from __future__ import annotations

import datetime as dt
import os
import secrets

from core.config import Config, ConfigError


def mapping(cfg: Config) -> dict:
    return dict(
        SECRET_KEY=cfg.secret_key or secrets.token_hex(32),
        OA_JWT_SECRET=cfg.oa_jwt_secret,
        DEV_LOGIN=cfg.dev_login,
        PRODUCTION=cfg.production,
        SESSION_COOKIE_SECURE=cfg.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE=cfg.cookie_samesite,
        # CHIPS: in a frame of another site, a browser that blocks third-party cookies keeps a
        # partitioned one (per top-level site); needs SameSite=None and Secure
        SESSION_COOKIE_PARTITIONED=cfg.cookie_partitioned,
        SESSION_COOKIE_NAME="epi_session",
        # sessions end after EPI_SESSION_IDLE_MINUTES without a request and EPI_SESSION_MAX_HOURS in all;
        # OA tickets live at most EPI_TICKET_MAX_MINUTES (exp − iat) and sign on once (web.auth)
        SESSION_IDLE_MINUTES=cfg.session_idle_minutes,
        SESSION_MAX_HOURS=cfg.session_max_hours,
        TICKET_MAX_MINUTES=cfg.ticket_max_minutes,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=cfg.session_max_hours),
        OA_ORIGIN=cfg.oa_origin or "",
        SSO_METHODS=list(cfg.sso), CAS_URL=cfg.cas_url,
        OIDC_ISSUER=cfg.oidc_issuer, OIDC_CLIENT_ID=cfg.oidc_client_id, OIDC_CLIENT_SECRET=cfg.oidc_client_secret,
        SSO_ACCOUNT_ATTR=cfg.sso_account_attr, SSO_NAME_ATTR=cfg.sso_name_attr, SSO_UNIT_ATTR=cfg.sso_unit_attr,
        SSO_MENUS_ATTR=cfg.sso_menus_attr, SSO_ROLES_ATTR=cfg.sso_roles_attr,
        PROXY_HOPS=cfg.proxy_hops,
        METRICS_ALLOW=list(cfg.metrics_allow),
        METRICS_TOKEN=cfg.metrics_token or "",
        MAX_CONTENT_LENGTH=cfg.max_upload_mb * 1024 * 1024,
        UPLOAD_DIR=os.path.join(cfg.var_dir, "uploads"),
        JSON_AS_ASCII=False,
    )


def check(config: dict, cfg: Config, *, secret_given: bool) -> None:
    """What the web app needs, on the settings as the app has them (a test's included)."""
    if config["DEV_LOGIN"] and config["PRODUCTION"]:
        raise ConfigError("生产模式（EPI_PRODUCTION=1）下不允许启用开发登录（EPI_DEV_LOGIN=1）")
    if config["PRODUCTION"] and not secret_given:
        raise ConfigError("生产模式必须设置 EPI_SECRET_KEY（会话签名密钥）")
    if config["PRODUCTION"] and cfg.audit_hmac_key is None:
        raise ConfigError("生产模式必须设置 EPI_AUDIT_HMAC_KEY（审计日志中被查询人标识的密钥，至少 32 个字符）")
    if str(config["SESSION_COOKIE_SAMESITE"]).lower() == "none" and not config["SESSION_COOKIE_SECURE"]:
        raise ConfigError("EPI_COOKIE_SAMESITE=None 时会话 Cookie 必须为 Secure（EPI_COOKIE_SECURE=1，经 https 访问）")
    if config["SESSION_COOKIE_PARTITIONED"] and not config["SESSION_COOKIE_SECURE"]:
        raise ConfigError("EPI_COOKIE_PARTITIONED=1 需要 Secure 的会话 Cookie（EPI_COOKIE_SECURE=1，经 https 访问）")
    if "cas" in config["SSO_METHODS"] and not config["CAS_URL"]:
        raise ConfigError("EPI_SSO 含 cas 时必须设置 EPI_CAS_URL（CAS 服务器地址）")
    if "oidc" in config["SSO_METHODS"] and not (config["OIDC_ISSUER"] and config["OIDC_CLIENT_ID"]):
        raise ConfigError("EPI_SSO 含 oidc 时必须设置 EPI_OIDC_ISSUER 和 EPI_OIDC_CLIENT_ID（及 EPI_OIDC_CLIENT_SECRET）")
    if "jwt" in config["SSO_METHODS"] and not config["OA_JWT_SECRET"] and not config["DEV_LOGIN"]:
        raise ConfigError("必须设置 EPI_OA_JWT_SECRET（OA 单点登录密钥），或在本机开发时设置 EPI_DEV_LOGIN=1")
