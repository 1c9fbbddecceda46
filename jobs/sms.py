"""The SMS dispatcher: sends what the `sms` job queued in epi.sms_outbox.

Rules (SPEC section 5, jobs issue):
- a text is *claimed* (sending_since set, attempts + 1) and that is committed before the gateway is
  called; its answer is recorded right after;
- a crash between the call and the record leaves the text claimed: after ``stale`` it is marked
  failed as "in doubt" and never re-sent blindly (at most one text per unit per day, even if that
  means a person must check one);
- a text is sent at most once, counted at the gateway: only failures before the request left
  (DNS, connection refused, connect timeout, TLS) and HTTP 429/503 are transient; they are retried
  by the same dispatcher, which keeps its claim, with exponential back-off and jitter (at least the
  gateway's Retry-After), at most ``max_attempts`` times; a Retry-After longer than
  ``max_wait`` leaves the text pending for a later run, not before that time;
- once the request has left, a timeout, a reset or another 5xx is *in doubt*: failed with
  "结果未知，未重发", never re-sent automatically (ops confirm or re-send it once on the home page);
  permanent refusals (e.g. MAS IllegalMac) are recorded as failed at once;
- two dispatchers at once never take the same text (FOR UPDATE SKIP LOCKED on the claim).
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from core import config
from db import database, queries
from jobs import gateways

SQL = queries.load(Path(__file__).with_name("sql") / "sms.sql")
log = logging.getLogger("epi.sms")


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    in_doubt: int = 0
    postponed: int = 0
    skipped: int = 0

    def describe(self) -> str:
        later = f"，网关要求稍后再发 {self.postponed} 条" if self.postponed else ""
        once = f"，今日已发送未重发 {self.skipped} 条" if self.skipped else ""
        return f"短信：发送成功 {self.sent} 条，失败 {self.failed} 条，结果未知（不重发）{self.in_doubt} 条{later}{once}"


def backoff(attempt: int, base: float, cap: float, rng=random.random) -> float:
    """Delay before attempt ``attempt + 1``: exponential, capped, with jitter (50–150 %)."""
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + rng())


def dispatch(*, url: str | None = None, gateway=None, max_attempts: int | None = None,
             base_delay: float | None = None, max_delay: float = 60.0, max_wait: float = 300.0,
             stale: str = "15 minutes", sleep=time.sleep, rng=random.random, limit: int | None = None) -> Summary:
    gateway = gateway or gateways.from_env()
    cfg = config.current()
    max_attempts = max_attempts or cfg.sms_max_attempts
    base_delay = base_delay if base_delay is not None else cfg.sms_retry_base_seconds
    summary = Summary()
    with database.connect_jobs(url) as conn:
        summary.in_doubt = len(conn.execute(SQL["in_doubt"], {"stale": stale}).fetchall())
        taken = 0
        while limit is None or taken < limit:
            summary.skipped += len(conn.execute(SQL["skip_sent_today"]).fetchall())   # before each claim
            row = conn.execute(SQL["claim"]).fetchone()
            if row is None:
                break
            taken += 1
            sms_id, unit, phone, content, _day, attempts, phone_masked = row
            log.info("短信：%s（%s）", unit, phone_masked)   # the number masked (SPEC section 3)
            while True:
                try:
                    result = gateway.send(phone, content)
                except gateways.InDoubt as exc:
                    conn.execute(SQL["record_in_doubt"], {"sms_id": sms_id,
                                 "response": f"{gateway.name}: 结果未知，未重发：{exc}"})
                    summary.in_doubt += 1
                    break
                except gateways.Transient as exc:
                    if attempts >= max_attempts:
                        conn.execute(SQL["record_failed"], {"sms_id": sms_id,
                                     "response": f"{gateway.name}: 重试 {attempts} 次后仍失败：{exc}"})
                        summary.failed += 1
                        break
                    delay = max(backoff(attempts, base_delay, max_delay, rng), exc.retry_after or 0.0)
                    if delay > max_wait:
                        conn.execute(SQL["postpone"], {"sms_id": sms_id, "seconds": delay,
                                     "response": f"{gateway.name}: 第 {attempts} 次未受理：{exc}，"
                                                 f"按网关要求 {round(delay)} 秒后再试"})
                        summary.postponed += 1
                        break
                    conn.execute(SQL["note_transient"], {"sms_id": sms_id,
                                 "response": f"{gateway.name}: 第 {attempts} 次失败：{exc}，稍后重试"})
                    sleep(delay)
                    again = conn.execute(SQL["reclaim"], {"sms_id": sms_id}).fetchone()
                    if again is None:  # no longer pending (marked in doubt by someone): stop
                        break
                    attempts = again[0]
                    continue
                if result.ok:
                    conn.execute(SQL["record_sent"], {"sms_id": sms_id, "response": result.response})
                    summary.sent += 1
                else:
                    conn.execute(SQL["record_failed"], {"sms_id": sms_id, "response": result.response})
                    summary.failed += 1
                break
    # every caller prints the summary (jobs.runner.describe, the scheduler, invoke sms.dispatch): at
    # INFO it showed twice on the console, e.g. at the end of `invoke demo` (issue 47)
    log.debug(summary.describe())
    return summary
