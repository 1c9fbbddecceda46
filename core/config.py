"""One configuration: every environment variable the zone reads, in one table (VARS), read and
validated at once (flaskr's ``from_mapping`` shape: the web app maps it into ``app.config``).

A value that is set but wrong stops the process that reads it at start — `create_app`, `invoke
scheduler`, every `invoke` command (tasks.py) — with a Chinese message naming the variable and
what it expects; what a part needs beyond that (the web app's secrets, the SMS gateway's settings)
is checked by that part at its start (web.settings.check, :func:`check_jobs`). Nothing else reads
``os.environ`` for these names: modules ask :func:`current`, which parses again only when the
environment changed (tests change it; a server's does not), so the configuration of a process is
the one it started with. README's table and deploy/kaiping-epi.env.example list exactly these
names (tests/ops/test_config.py)."""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A variable is set to something the zone cannot use (the message names it)."""


def _text(value: str) -> str:
    return value


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0 or number == float("inf"):
        raise ValueError
    return number


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError
    return number


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError
    return value == "1"


def _choice(*allowed: str, lower: bool = True) -> Callable[[str], str]:
    def parse(value: str) -> str:
        canonical = {a.lower(): a for a in allowed}
        key = value.strip().lower()
        if key not in canonical:
            raise ValueError
        return key if lower else canonical[key]
    return parse


def _networks(value: str) -> tuple:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        raise ValueError
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts)


def _hmac_key(value: str) -> str:
    if len(value) < 32:
        raise ValueError
    return value


def _hex_bytes(size: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(bytes.fromhex(value.strip())) != size:
            raise ValueError
        return value.strip()
    return parse


def _key_version(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 32767:
        raise ValueError
    return number


def _path(value: str) -> Path:
    return Path(value)


def _url(value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")) and "=" not in value:
        raise ValueError
    return value


def _sso_methods(value: str) -> tuple[str, ...]:
    """EPI_SSO: the sign-on methods enabled, comma-separated (jwt: OA's HS256 ticket; cas: CAS 3.0;
    oidc: OpenID Connect)."""
    methods = tuple(dict.fromkeys(m.strip().lower() for m in value.split(",") if m.strip()))
    if not methods or any(m not in SSO_METHODS for m in methods):
        raise ValueError
    return methods


SSO_METHODS = ("jwt", "cas", "oidc")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError
    return value


@dataclass(frozen=True)
class Var:
    name: str
    parse: Callable[[str], Any]
    expects: str            # what a message says the value should be (Chinese)
    default: str = ""       # "" = unset (the attribute is None unless a default applies)
    secret: bool = False    # never printed

    @property
    def attr(self) -> str:
        return self.name.removeprefix("EPI_").lower() if self.name != "DATABASE_URL" else "database_url"


VARS: tuple[Var, ...] = (
    # database logins
    Var("DATABASE_URL", _url, "PostgreSQL 连接串（postgresql://…），管理连接"),
    Var("EPI_WEB_DATABASE_URL", _url, "PostgreSQL 连接串（postgresql://epi_web@…）"),
    Var("EPI_JOBS_DATABASE_URL", _url, "PostgreSQL 连接串（postgresql://epi_jobs@…）"),
    Var("EPI_WEB_PASSWORD", _text, "epi_web 登录的密码", secret=True),
    Var("EPI_JOBS_PASSWORD", _text, "epi_jobs 登录的密码", secret=True),
    # state
    Var("EPI_VAR_DIR", _path, "目录路径", default=str(ROOT / "var")),
    Var("EPI_AUDIT_ANCHOR_DIR", _path, "目录路径（审计员保管的锚点目录）"),
    Var("EPI_AUDIT_SEAL_SECONDS", _positive_float, "正数（秒）", default="60"),
    Var("EPI_AUDIT_HMAC_KEY", _hmac_key, "至少 32 个字符的密钥", secret=True),
    # personal-data keys (issue 49, core/crypto.py): a key source, else the two keys, else a key file
    Var("EPI_KEY_SOURCE", _text, "密钥来源（模块:函数，返回 core.crypto.KeyRing）"),
    Var("EPI_DATA_KEY", _hex_bytes(16), "32 位十六进制的 SM4 数据加密密钥", secret=True),
    Var("EPI_DIGEST_KEY", _hex_bytes(32), "64 位十六进制的 HMAC-SM3 检索摘要密钥", secret=True),
    Var("EPI_KEY_VERSION", _key_version, "1 至 32767 的整数（密钥版本）", default="1"),
    Var("EPI_KEY_FILE", _path, "密钥文件的路径（invoke keys.new 生成）"),
    # web app
    Var("EPI_PRODUCTION", _flag, "0 或 1", default="0"),
    Var("EPI_OA_JWT_SECRET", _text, "与 OA 共享的签名密钥", secret=True),
    Var("EPI_SECRET_KEY", _text, "会话签名密钥", secret=True),
    Var("EPI_DEV_LOGIN", _flag, "0 或 1", default="0"),
    Var("EPI_OA_ORIGIN", _text, "OA 的来源（如 https://oa.example），可用空格分隔多个"),
    Var("EPI_PROXY_HOPS", _non_negative_int, "不小于 0 的整数（网页服务前面的反向代理层数）", default="0"),
    Var("EPI_COOKIE_SECURE", _flag, "0 或 1", default="1"),
    Var("EPI_COOKIE_SAMESITE", _choice("Lax", "Strict", "None", lower=False), "Lax、Strict 或 None", default="Lax"),
    Var("EPI_COOKIE_PARTITIONED", _flag, "0 或 1", default="0"),
    Var("EPI_TICKET_MAX_MINUTES", _positive_int, "正整数（分钟）", default="10"),
    # sign-on methods (issue 45): jwt (OA's ticket, /?ticket= and /sso/jwt), CAS 3.0 (/sso/cas) and
    # OpenID Connect (/sso/oidc)
    Var("EPI_SSO", _sso_methods, "以逗号分隔的登录方式：jwt、cas、oidc", default="jwt"),
    Var("EPI_CAS_URL", _http_url, "CAS 服务器的地址（https://…/cas/）"),
    Var("EPI_OIDC_ISSUER", _http_url, "OpenID Connect 提供方的 issuer（https://…）"),
    Var("EPI_OIDC_CLIENT_ID", _text, "在提供方登记的 client_id"),
    Var("EPI_OIDC_CLIENT_SECRET", _text, "在提供方登记的 client_secret", secret=True),
    Var("EPI_SSO_ACCOUNT_ATTR", _text, "账号所在的声明名", default="preferred_username"),
    Var("EPI_SSO_NAME_ATTR", _text, "姓名所在的声明名", default="name"),
    Var("EPI_SSO_UNIT_ATTR", _text, "机构编码所在的声明名", default="unit"),
    Var("EPI_SSO_MENUS_ATTR", _text, "菜单权限所在的声明名", default="menus"),
    Var("EPI_SSO_ROLES_ATTR", _text, "OA 角色所在的声明名", default="roles"),
    Var("EPI_SESSION_IDLE_MINUTES", _positive_int, "正整数（分钟）", default="30"),
    Var("EPI_SESSION_MAX_HOURS", _positive_int, "正整数（小时）", default="8"),
    Var("EPI_MAX_UPLOAD_MB", _positive_int, "正整数（MB）", default="200"),
    Var("EPI_MAX_FILE_MB", _positive_int, "正整数（MB）", default="200"),
    Var("EPI_MAX_UNCOMPRESSED_MB", _positive_int, "正整数（MB）", default="2048"),
    # logs and metrics
    Var("EPI_LOG_FORMAT", _choice("text", "json"), "text 或 json", default="text"),
    Var("EPI_LOG_LEVEL", _choice("DEBUG", "INFO", "WARNING", "ERROR", lower=False),
        "DEBUG、INFO、WARNING 或 ERROR", default="INFO"),
    Var("EPI_METRICS_ALLOW", _networks, "以逗号分隔的地址或网段", default="127.0.0.0/8,::1"),
    Var("EPI_METRICS_TOKEN", _text, "Bearer 令牌", secret=True),
    # jobs and texts
    Var("EPI_SMS_DISPATCH_SECONDS", _positive_float, "正数（秒）", default="300"),
    Var("EPI_SMS_GATEWAY", _choice("log", "mas", "http"), "log、mas 或 http", default="log"),
    Var("EPI_SMS_MAX_ATTEMPTS", _positive_int, "正整数（次）", default="5"),
    Var("EPI_SMS_RETRY_BASE_SECONDS", _non_negative_float, "不小于 0 的数（秒）", default="2"),
    Var("EPI_MAS_URL", _http_url, "http(s):// 开头的地址"),
    Var("EPI_MAS_EC_NAME", _text, "企业名称"),
    Var("EPI_MAS_AP_ID", _text, "接口账号"),
    Var("EPI_MAS_SECRET_KEY", _text, "接口密码", secret=True),
    Var("EPI_MAS_SIGN", _text, "签名编码"),
    Var("EPI_MAS_ADD_SERIAL", _text, "扩展码（可为空）"),
    Var("EPI_SMS_WEBHOOK_URL", _http_url, "http(s):// 开头的地址"),
    Var("EPI_SMS_WEBHOOK_TOKEN", _text, "Bearer 令牌", secret=True),
    Var("EPI_OA_UNITS_FILE", _path, "OA 机构导出文件的路径"),
    Var("EPI_OA_MENUS_FILE", _path, "OA 菜单授权导出文件的路径"),
    # provincial front database
    Var("EPI_FRONTDB_DSN", _text, "前置库的 PostgreSQL 连接串", secret=True),
    Var("EPI_FRONTDB_CONFIG", _path, "前置库表名配置（JSON 文件）的路径"),
    Var("EPI_FRONTDB_SYNC_SECONDS", _positive_float, "正数（秒）", default="600"),
    # backups
    Var("EPI_BACKUP_KEY", _text, "age 私钥（invoke db.backup-key 生成）", secret=True),
)
BY_NAME = {v.name: v for v in VARS}
# a family of variables, one per OA reader login (read by `invoke db.restore` only)
OA_PASSWORD_PREFIX = "EPI_OA_PASSWORD_"


class Config(Mapping):
    """The parsed values, by attribute (``cfg.max_upload_mb``) or by variable name
    (``cfg["EPI_MAX_UPLOAD_MB"]``); None where unset without a default. ``given`` names the
    variables the environment set."""

    def __init__(self, values: dict[str, Any], given: frozenset[str], oa_passwords: dict[str, str]):
        self._values, self.given, self._oa_passwords = values, given, oa_passwords

    def __getattr__(self, attr: str) -> Any:
        try:
            return self.__dict__["_values"][BY_ATTR[attr]]
        except KeyError:
            raise AttributeError(attr) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def oa_password(self, variable: str) -> str | None:
        return self._oa_passwords.get(variable)

    def __repr__(self) -> str:  # secrets never shown
        shown = {k: ("***" if BY_NAME[k].secret and v else v) for k, v in self._values.items()}
        return f"Config({shown})"


BY_ATTR = {v.attr: v.name for v in VARS}


def load(env: Mapping[str, str] | None = None) -> Config:
    """Parse and check every variable; raises ConfigError naming each one that is wrong."""
    env = os.environ if env is None else env
    values, problems, given = {}, [], set()
    for var in VARS:
        raw = env.get(var.name, "")
        if raw != "":
            given.add(var.name)
        text = raw if raw != "" else var.default
        if text == "":
            values[var.name] = None
            continue
        try:
            values[var.name] = var.parse(text)
        except ValueError:
            shown = "（已设置，内容不显示）" if var.secret else f"（当前为“{raw[:60]}”）"
            problems.append(f"{var.name} 应为{' ' if var.expects[0].isascii() else ''}{var.expects}{shown}")
    if problems:
        raise ConfigError("配置有误：" + "；".join(problems))
    oa = {k: v for k, v in env.items() if k.startswith(OA_PASSWORD_PREFIX)}
    return Config(values, frozenset(given), oa)


_cache: tuple[tuple, Config] | None = None


def _snapshot() -> tuple:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("EPI_") or k == "DATABASE_URL"))


def current() -> Config:
    """The process's configuration (parsed again only when the environment changed)."""
    global _cache
    key = _snapshot()
    if _cache is None or _cache[0] != key:
        _cache = (key, load())
    return _cache[1]


def check_jobs(cfg: Config | None = None) -> None:
    """What the jobs need, checked when the scheduler starts, not found wanting at 02:00."""
    cfg = cfg or current()
    check_gateway(cfg)
    if cfg.frontdb_config is not None and not cfg.frontdb_config.is_file():
        raise ConfigError(f"EPI_FRONTDB_CONFIG 应为前置库表名配置文件的路径（找不到 {cfg.frontdb_config}）")


def check_gateway(cfg: Config) -> None:
    """The SMS gateway EPI_SMS_GATEWAY names has every setting it needs."""
    if cfg.sms_gateway == "mas":
        missing = [n for n in ("EPI_MAS_URL", "EPI_MAS_EC_NAME", "EPI_MAS_AP_ID", "EPI_MAS_SECRET_KEY", "EPI_MAS_SIGN")
                   if cfg[n] is None]
        if missing:
            raise ConfigError(f"EPI_SMS_GATEWAY=mas 需要设置：{'、'.join(missing)}")
    if cfg.sms_gateway == "http" and cfg.sms_webhook_url is None:
        raise ConfigError("EPI_SMS_GATEWAY=http 需要设置 EPI_SMS_WEBHOOK_URL")
