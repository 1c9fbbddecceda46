"""/metrics in the Prometheus text format (issue 26, point 2; prometheus-client).

Reachable from the addresses in EPI_METRICS_ALLOW (addresses or networks, comma-separated; default
loopback) — the client's address as EPI_PROXY_HOPS trusts it — or with ``Authorization: Bearer``
EPI_METRICS_TOKEN. Per process: requests and latency by route pattern, the database pool in use and
waiting, web imports (rows, seconds, failures). From the database at each scrape (as ops): each
job's last run (time, ok), texts by status, the front-database sync. No personal data: counts and
times only (deploy/prometheus/epi-alerts.yml holds example alert rules)."""
from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, Response, current_app, has_app_context, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from core import config
from web import db as webdb

bp = Blueprint("metrics", __name__)
log = logging.getLogger("epi.metrics")

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def networks(text: str) -> list:
    """The addresses or networks of an allow list, parsed as EPI_METRICS_ALLOW is (core.config)."""
    return list(config.BY_NAME["EPI_METRICS_ALLOW"].parse(text))


class Metrics:
    """One app's registry: the request and import series of this process, and the collector that
    reads the database at each scrape."""

    def __init__(self, app):
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("epi_http_requests", "HTTP requests by method, route pattern and status",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("epi_http_request_duration_seconds", "Time to the end of a response's body",
                                 ("method", "route"), buckets=BUCKETS, registry=self.registry)
        self.import_rows = Counter("epi_import_rows", "Rows written by imports started in this process",
                                   registry=self.registry)
        self.import_seconds = Histogram("epi_import_duration_seconds", "Imports started in this process, start to end",
                                        ("outcome",), buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800),
                                        registry=self.registry)
        self.import_failures = Counter("epi_import_failures", "Imports started in this process that wrote nothing",
                                       registry=self.registry)
        self.registry.register(_DatabaseCollector(app))

    def request_done(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def import_done(self, ok: bool, rows: int, seconds: float) -> None:
        self.import_seconds.labels("ok" if ok else "failed").observe(seconds)
        if ok:
            self.import_rows.inc(rows)
        else:
            self.import_failures.inc()


class _DatabaseCollector:
    def __init__(self, app):
        self.app = app

    def describe(self):
        return []   # collected at scrape time only (their names depend on what the database holds)

    def collect(self):
        stats = self.app.extensions["epi_pool"].get_stats()
        size = stats.get("pool_size", 0)
        yield GaugeMetricFamily("epi_db_pool_size", "Connections the web pool holds", value=size)
        yield GaugeMetricFamily("epi_db_pool_in_use", "Pool connections lent to requests",
                                value=size - stats.get("pool_available", 0))
        yield GaugeMetricFamily("epi_db_pool_waiting", "Requests waiting for a pool connection",
                                value=stats.get("requests_waiting", 0))
        up = GaugeMetricFamily("epi_database_up", "1 when the scrape could read the database")
        try:
            jobs = webdb.all_rows("metrics_jobs", kind="ops", account="metrics")
            sms = webdb.all_rows("metrics_sms", kind="ops", account="metrics")
            sync = webdb.one("sync_state", kind="ops", account="metrics")
        except Exception as exc:   # a scrape never fails for the database: it says so
            log.warning("metrics: database unreadable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        last = GaugeMetricFamily("epi_job_last_run_timestamp_seconds", "End of each job's last run", labels=["job"])
        ok = GaugeMetricFamily("epi_job_last_run_ok", "1 when each job's last run ended ok", labels=["job"])
        good = GaugeMetricFamily("epi_job_last_success_timestamp_seconds", "End of each job's last run that ended ok",
                                 labels=["job"])
        for row in jobs:
            last.add_metric([row["job"]], row["last_at"])
            ok.add_metric([row["job"]], 1 if row["last_ok"] else 0)
            if row["last_ok_at"] is not None:
                good.add_metric([row["job"]], row["last_ok_at"])
        yield from (last, ok, good)
        texts = GaugeMetricFamily("epi_sms_texts", "Texts by status", labels=["status"])
        counts: dict[str, int] = {}
        doubt = 0
        for row in sms:
            counts[row["status"]] = counts.get(row["status"], 0) + row["texts"]
            doubt += row["texts"] if row["in_doubt"] and row["status"] == "failed" else 0
        for status, n in sorted(counts.items()):
            texts.add_metric([status], n)
        yield texts
        yield GaugeMetricFamily("epi_sms_in_doubt", "Texts whose sending is in doubt (ops must confirm)", value=doubt)
        yield GaugeMetricFamily("epi_frontdb_sync_enabled", "1 when the front-database sync is on",
                                value=1 if sync["sync_on"] else 0)
        yield GaugeMetricFamily("epi_frontdb_sync_last_ok", "1 when the last sync run ended ok (1 before any run)",
                                value=0 if sync["last_ok"] is False else 1)
        if sync["lag_seconds"] is not None:
            yield GaugeMetricFamily("epi_frontdb_sync_lag_seconds", "Seconds since the last sync run that ended ok",
                                    value=sync["lag_seconds"])


def init_app(app) -> Metrics:
    """METRICS_ALLOW and METRICS_TOKEN come from the configuration (web.settings)."""
    metrics = app.extensions["epi_metrics"] = Metrics(app)
    app.register_blueprint(bp)
    return metrics


def current() -> Metrics | None:
    """This app's metrics (None outside an app: a command, a test that drives the imports alone)."""
    return current_app.extensions.get("epi_metrics") if has_app_context() else None


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in current_app.config["METRICS_ALLOW"])


@bp.get("/metrics")
def scrape():
    if not _allowed():
        return jsonify(error="无权访问监控指标（EPI_METRICS_ALLOW 或 EPI_METRICS_TOKEN）"), 403
    return Response(generate_latest(current().registry), mimetype=CONTENT_TYPE_LATEST)
