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

Transient failures (timeouts, connection refused, HTTP 5xx) raise Transient; the dispatcher retries
them. Permanent ones return Result(ok=False). TLS certificates are always verified.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass

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
    """The gateway could not be reached or answered 5xx: try again later."""


@dataclass
class Result:
    ok: bool
    response: str


class LogGateway:
    name = "log"

    def send(self, phone: str, content: str) -> Result:
        log.info("短信（log 网关，未实际发送）：%s", content)
        return Result(True, "log: 已记录，未实际发送")


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    context = ssl.create_default_context()  # certificates and host names verified
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as reply:
            return reply.status, reply.read(65536)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise Transient(f"HTTP {exc.code}") from None
        return exc.code, exc.read(65536) if exc.fp else b""
    except TimeoutError:
        raise Transient("网关超时") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise Transient("网关超时") from None
        if isinstance(reason, ssl.SSLError):
            raise Transient(f"TLS 错误：{reason.__class__.__name__}") from None
        raise Transient(f"无法连接网关：{reason.__class__.__name__}") from None
    except (ConnectionError, OSError) as exc:
        raise Transient(f"无法连接网关：{exc.__class__.__name__}") from None


class MasGateway:
    name = "mas"

    def __init__(self, env=os.environ, timeout: float = 10.0):
        missing = [k for k in ("EPI_MAS_URL", "EPI_MAS_EC_NAME", "EPI_MAS_AP_ID", "EPI_MAS_SECRET_KEY", "EPI_MAS_SIGN")
                   if not env.get(k)]
        if missing:
            raise RuntimeError("移动云MAS网关缺少配置：" + "、".join(missing))
        self.url = env["EPI_MAS_URL"]
        self.ec_name, self.ap_id = env["EPI_MAS_EC_NAME"], env["EPI_MAS_AP_ID"]
        self._secret = env["EPI_MAS_SECRET_KEY"]
        self.sign, self.add_serial = env["EPI_MAS_SIGN"], env.get("EPI_MAS_ADD_SERIAL", "")
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
            if status >= 500:
                raise Transient(f"HTTP {status}") from None
            return Result(False, f"MAS: 无法解析的应答（HTTP {status}）")
        if code == "success":
            return Result(True, f"MAS: success {reply.get('msgGroup', '')}".strip())
        return Result(False, f"MAS: {code} {MAS_PERMANENT.get(code, '未知错误码，不重试')}")

    def __repr__(self):  # never show the secret
        return f"MasGateway(url={self.url!r}, ecName={self.ec_name!r}, apId={self.ap_id!r})"


class HttpGateway:
    name = "http"

    def __init__(self, env=os.environ, timeout: float = 10.0):
        if not env.get("EPI_SMS_WEBHOOK_URL"):
            raise RuntimeError("HTTP 短信网关缺少配置：EPI_SMS_WEBHOOK_URL")
        self.url = env["EPI_SMS_WEBHOOK_URL"]
        self._token = env.get("EPI_SMS_WEBHOOK_TOKEN")
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


def from_env(env=os.environ):
    name = env.get("EPI_SMS_GATEWAY", "log").strip().lower()
    if name == "log":
        return LogGateway()
    if name == "mas":
        return MasGateway(env)
    if name == "http":
        return HttpGateway(env)
    raise RuntimeError(f"未知的短信网关 EPI_SMS_GATEWAY={name}（可用：log、mas、http）")
