"""SMS gateways, chosen by EPI_SMS_GATEWAY (log | mas | http). Credentials come only from the
environment and are never logged or recorded.

- log (default): records the text it would send, sends nothing.
- mas: China Mobile cloud MAS (移动云MAS) HTTP interface: POST of the base64 of a UTF-8 JSON object
  {ecName, apId, secretKey, mobiles, content, sign, addSerial, mac}, mac = lowercase hex MD5 of
  ecName+apId+secretKey+mobiles+content+sign+addSerial. Reply: JSON with rspcod = success, or a
  permanent error code. Env: EPI_MAS_URL, EPI_MAS_EC_NAME, EPI_MAS_AP_ID, EPI_MAS_SECRET_KEY,
  EPI_MAS_SIGN, EPI_MAS_ADD_SERIAL (default empty).
- http: a generic JSON webhook: POST {"phone", "content"} to EPI_SMS_WEBHOOK_URL, with
  "Authorization: Bearer EPI_SMS_WEBHOOK_TOKEN" when set; 2xx = sent, 4xx = permanent failure.

A text is sent at most once, counted at the gateway (issue 19): a failure before the request left
— DNS, connection refused, connect timeout, TLS handshake — raises Transient and is retried; HTTP
429 and 503 (the gateway refused it before doing anything) are Transient too and carry the
Retry-After they name. Once the request has left, a read timeout, a reset connection or another
5xx means the gateway may have sent the text: InDoubt, recorded as failed "结果未知，未重发" and
never re-sent automatically (ops confirm it or re-send it once, on the home page). Permanent
refusals return Result(ok=False). TLS certificates are always verified.
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import json
import logging
import socket
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from core import config

log = logging.getLogger("epi.sms")

MAS_PERMANENT = {
    "IllegalMac": "MAC 校验失败",
    "InvalidUsrOrPwd": "集团客户名称、接口账号或密码错误",
    "NoSignId": "未找到签名编码",
    "IllegalSignId": "签名编码无效",
    "InvalidMessage": "短信内容或参数不合法",
    "TooManyMobiles": "号码数量超过上限",
}


class Transient(Exception):
    """The text was certainly not sent (the request never left, or 429/503): try again later,
    not before ``retry_after`` seconds when the gateway said so."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class InDoubt(Exception):
    """The request left and no usable answer came back: the text may have been sent."""


@dataclass
class Result:
    ok: bool
    response: str


class LogGateway:
    name = "log"

    def send(self, phone: str, content: str) -> Result:
        log.info("短信（log 网关，未实际发送）：%s", content)
        return Result(True, "log: 已记录，未实际发送")


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "超时"
    if isinstance(exc, ssl.SSLError):
        return f"TLS 错误：{exc.__class__.__name__}"
    if isinstance(exc, socket.gaierror):
        return "域名解析失败"
    return exc.__class__.__name__


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    """POST ``body``: (status, reply) for an answer the gateway gave; Transient while nothing has
    left; InDoubt once the request has left without a usable answer."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())  # certificates and names verified
    elif parts.scheme == "http":
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        raise RuntimeError(f"短信网关地址应以 http:// 或 https:// 开头：{parts.scheme or url[:20]}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            conn.connect()   # DNS, TCP, TLS handshake: nothing of the text has left yet
        except OSError as exc:
            raise Transient(f"无法连接网关（{_reason(exc)}），未发出") from None
        try:
            conn.request("POST", path, body=body, headers=headers)
            reply = conn.getresponse()
            status, data = reply.status, reply.read(65536)
        except (OSError, http.client.HTTPException) as exc:
            raise InDoubt(f"请求已发出，未收到网关应答（{_reason(exc)}）") from None
    finally:
        conn.close()
    if status in (429, 503):
        raise Transient(f"HTTP {status}，网关暂不受理", retry_after(reply.getheader("Retry-After")))
    if status >= 500:
        raise InDoubt(f"请求已发出，网关应答 HTTP {status}")
    return status, data


class MasGateway:
    name = "mas"

    def __init__(self, settings: Mapping[str, str] | config.Config, timeout: float = 10.0):
        cfg = _settings(settings, self.name)   # every EPI_MAS_* it needs is set
        self.url = cfg.mas_url
        self.ec_name, self.ap_id = cfg.mas_ec_name, cfg.mas_ap_id
        self._secret = cfg.mas_secret_key
        self.sign, self.add_serial = cfg.mas_sign, cfg.mas_add_serial or ""
        self.timeout = timeout

    def payload(self, phone: str, content: str) -> bytes:
        fields = {"ecName": self.ec_name, "apId": self.ap_id, "secretKey": self._secret, "mobiles": phone,
                  "content": content, "sign": self.sign, "addSerial": self.add_serial}
        fields["mac"] = hashlib.md5("".join(fields.values()).encode("utf-8")).hexdigest()
        return base64.b64encode(json.dumps(fields, ensure_ascii=False).encode("utf-8"))

    def send(self, phone: str, content: str) -> Result:
        status, body = _post(self.url, self.payload(phone, content), {"Content-Type": "text/plain"}, self.timeout)
        try:
            reply = json.loads(body.decode("utf-8"))
            code = str(reply.get("rspcod", ""))
        except (ValueError, AttributeError):
            if 200 <= status < 300:   # it answered, but not what it should: it may have sent the text
                raise InDoubt(f"MAS: 无法解析的应答（HTTP {status}）") from None
            return Result(False, f"MAS: 无法解析的应答（HTTP {status}）")
        if code == "success":
            return Result(True, f"MAS: success {reply.get('msgGroup', '')}".strip())
        return Result(False, f"MAS: {code} {MAS_PERMANENT.get(code, '未知错误码，不重试')}")

    def __repr__(self):  # never show the secret
        return f"MasGateway(url={self.url!r}, ecName={self.ec_name!r}, apId={self.ap_id!r})"


class HttpGateway:
    name = "http"

    def __init__(self, settings: Mapping[str, str] | config.Config, timeout: float = 10.0):
        cfg = _settings(settings, self.name)   # EPI_SMS_WEBHOOK_URL is set
        self.url = cfg.sms_webhook_url
        self._token = cfg.sms_webhook_token
        self.timeout = timeout

    def send(self, phone: str, content: str) -> Result:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = json.dumps({"phone": phone, "content": content}, ensure_ascii=False).encode("utf-8")
        status, reply = _post(self.url, body, headers, self.timeout)
        text = reply.decode("utf-8", "replace")[:200]
        if 200 <= status < 300:
            return Result(True, f"HTTP {status} {text}".strip())
        return Result(False, f"HTTP {status} {text}".strip())

    def __repr__(self):
        return f"HttpGateway(url={self.url!r})"


def _settings(settings: Mapping[str, str] | config.Config, gateway: str) -> config.Config:
    """The configuration a gateway is made from (the process's, or variables given as a mapping),
    checked for what that gateway needs."""
    cfg = settings if isinstance(settings, config.Config) else config.load({**settings, "EPI_SMS_GATEWAY": gateway})
    config.check_gateway(cfg)
    return cfg


def from_env(env=None):
    """The gateway EPI_SMS_GATEWAY names (the process's configuration, or one read from ``env``)."""
    cfg = config.current() if env is None else config.load(env)
    return {"log": lambda _cfg: LogGateway(), "mas": MasGateway, "http": HttpGateway}[cfg.sms_gateway](cfg)
