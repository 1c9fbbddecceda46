"""Locust users for `invoke soak`: staff of the 20 bench units working their pages and the JSON API
with no think time (each simulated user sends its next request as soon as the last one answered).

Run by bench/soak.py with EPI_OA_JWT_SECRET and SOAK_FROM / SOAK_TO (the 30-day statistics range).
"""
from __future__ import annotations

import itertools
import os
import time
import uuid

import jwt
from locust import FastHttpUser, constant, task

_units = itertools.cycle([f"B{i:02d}" for i in range(1, 21)])
FROM, TO = os.environ.get("SOAK_FROM", "2022-02-01"), os.environ.get("SOAK_TO", "2022-03-02")
PENDING = "%E6%9C%AA%E6%8E%A5%E6%94%B6"  # 未接收


def ticket(unit: str) -> str:
    """A fresh ticket (its own jti: a sign-on ticket is used once); the soak's server allows its
    two hours (EPI_TICKET_MAX_MINUTES, bench/soak.py)."""
    now = int(time.time())
    return jwt.encode({"sub": f"{unit.lower()}.soak", "name": "压测用户", "unit": unit,
                       "menus": ["threshold", "scan_query", "scan_stats", "alert"], "iat": now, "exp": now + 7200,
                       "jti": uuid.uuid4().hex}, os.environ["EPI_OA_JWT_SECRET"], algorithm="HS256")


class UnitStaff(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.unit = next(_units)
        self.bearer = {"Authorization": "Bearer " + ticket(self.unit)}
        # OA opens the zone with a ticket: the session cookie carries the pages from then on
        self.client.get(f"/alerts?ticket={ticket(self.unit)}", name="page: entry with ticket")

    @task(3)
    def alerts_page(self):
        self.client.get("/alerts", name="page: /alerts")

    @task(3)
    def scans_page(self):
        self.client.get("/scans", name="page: /scans (first page)")

    @task(2)
    def stats_page(self):
        self.client.get(f"/stats?from={FROM}&to={TO}", name="page: /stats (30 days)")

    @task(3)
    def api_alerts(self):
        self.client.get(f"/api/alerts?status={PENDING}", headers=self.bearer, name="api: /api/alerts")

    @task(3)
    def api_scans(self):
        self.client.get("/api/scans", headers=self.bearer, name="api: /api/scans (first page)")

    @task(2)
    def api_stats(self):
        self.client.get(f"/api/stats?from={FROM}&to={TO}", headers=self.bearer, name="api: /api/stats (30 days)")

    @task(1)
    def api_venues(self):
        self.client.get("/api/venues?tab=set", headers=self.bearer, name="api: /api/venues")
