"""/metrics (issue 26, point 2): the Prometheus text format, only from EPI_METRICS_ALLOW or with
EPI_METRICS_TOKEN; requests and latency by route, web imports, each job's last run, texts by status,
the front-database sync, the database pool. A scrape is parsed back with prometheus-client."""
from __future__ import annotations

import ipaddress
import time

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.loaders import workbooks as wbk
from tests.web.test_modules import wait_job
from web import ConfigError, create_app, metrics

ID = "110101199001011231"     # synthetic, fails the checksum


def scrape(client, **kw) -> dict:
    res = client.get("/metrics", **kw)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "text/plain"
    text = res.get_data(as_text=True)
    assert ID not in text
    return {s.name + repr(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: dict, name: str, **labels) -> float | None:
    return samples.get(name + repr(sorted(labels.items())))


def test_loopback_may_scrape_and_requests_are_counted_by_route(unit_a):
    client, _ = unit_a
    client.get(f"/scans?id_card={ID}").close()
    client.get("/venues/V-X/edit").close()
    samples = scrape(client)
    assert sample(samples, "epi_http_requests_total", method="GET", route="/scans", status="200") >= 1
    assert sample(samples, "epi_http_requests_total", method="GET", route="/venues/<anyid:venue_id>/edit",
                  status="403") >= 1     # a unit user may not edit venues
    assert sample(samples, "epi_http_request_duration_seconds_count", method="GET", route="/scans") >= 1
    assert sample(samples, "epi_database_up") == 1
    assert sample(samples, "epi_db_pool_size") >= 1 and sample(samples, "epi_db_pool_waiting") == 0
    assert sample(samples, "epi_db_pool_in_use") >= 0


def test_other_addresses_are_refused_unless_they_bring_the_token(seeded_db, tmp_path):
    app = create_app({"TESTING": True, "OA_JWT_SECRET": "x" * 32, "SESSION_COOKIE_SECURE": False,
                      "UPLOAD_DIR": str(tmp_path / "uploads"), "METRICS_TOKEN": "t0ken-for-the-test",
                      "METRICS_ALLOW": metrics.networks("10.1.0.0/16")})
    client = app.test_client()
    outside = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
    res = client.get("/metrics", **outside)
    assert res.status_code == 403 and "EPI_METRICS_ALLOW" in res.get_json()["error"]
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **outside).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403  # not in the list
    scrape(client, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    scrape(client, headers={"Authorization": "Bearer t0ken-for-the-test"}, **outside)
    app.extensions["epi_pool"].close()


def test_the_allow_list_is_checked_when_the_app_starts(monkeypatch):
    monkeypatch.setenv("EPI_METRICS_ALLOW", "10.0.0.0/8, not-an-address")
    with pytest.raises(ConfigError, match=r"EPI_METRICS_ALLOW 应为以逗号分隔的地址或网段（当前为“10.0.0.0/8, not-an-address”）"):
        create_app({"TESTING": True, "OA_JWT_SECRET": "x" * 32})
    assert metrics.networks("127.0.0.0/8,::1") == [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1")]


def test_jobs_texts_and_the_sync_come_from_the_database(client, seeded_db):
    with psycopg.connect(seeded_db) as c:
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok)"
                  " values ('nightly', current_date, now() - interval '2 hours', now() - interval '1 hour', true)")
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok, error)"
                  " values ('nightly', current_date, now() - interval '10 minutes', now(), false, '测试：失败')")
        c.execute("update epi.sms_outbox set status = 'failed', attempts = 1, in_doubt = true where unit_code = 'T-A'")
        c.execute("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'")
        c.execute("insert into epi.job_run (job, as_of, started_at, finished_at, ok)"
                  " values ('frontdb', current_date, now() - interval '301 seconds', now() - interval '300 seconds', true)")
        c.execute("insert into epi.job_run (job, as_of, finished_at, ok, error)"
                  " values ('frontdb', current_date, now(), false, '测试：前置库无法连接')")
        statuses = dict(c.execute("select status, count(*) from epi.sms_outbox group by status").fetchall())
    samples = scrape(client)
    now = time.time()
    assert sample(samples, "epi_job_last_run_ok", job="nightly") == 0
    assert now - 60 < sample(samples, "epi_job_last_run_timestamp_seconds", job="nightly") <= now + 1
    assert 3500 < now - sample(samples, "epi_job_last_success_timestamp_seconds", job="nightly") < 3700
    for status, n in statuses.items():
        assert sample(samples, "epi_sms_texts", status=status) == n
    assert sample(samples, "epi_sms_in_doubt") == 1
    assert sample(samples, "epi_frontdb_sync_enabled") == 1 and sample(samples, "epi_frontdb_sync_last_ok") == 0
    assert 290 < sample(samples, "epi_frontdb_sync_lag_seconds") < 400


def test_a_database_that_does_not_answer_is_a_gauge_not_a_failed_scrape(app, client):
    app.extensions["epi_pool"].close()
    app.config["DATABASE_WEB_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    from psycopg_pool import ConnectionPool

    app.extensions["epi_pool"] = ConnectionPool("postgresql://nobody@127.0.0.1:1/none", min_size=0, max_size=1,
                                                timeout=1, open=False)
    samples = scrape(client)
    assert sample(samples, "epi_database_up") == 0


def test_an_import_started_from_the_page_is_counted(ops, tmp_path):
    client, token = ops
    path = wbk.csv_file(tmp_path / "上传.csv", wbk.rows_with_times(["2022-03-09 08:00", "2022-03-09 09:00"]))
    for name in ("上传.csv", "again.csv"):     # the second is the same file: refused, nothing written
        res = client.post("/scan-admin/upload", data={"csrf_token": token, "file": (path.open("rb"), name)})
        wait_job(client, res.headers["Location"].split("job=")[1])
    samples = scrape(client)
    assert sample(samples, "epi_import_rows_total") == 2
    assert sample(samples, "epi_import_failures_total") == 1
    assert sample(samples, "epi_import_duration_seconds_count", outcome="ok") == 1
    assert sample(samples, "epi_import_duration_seconds_count", outcome="failed") == 1


def test_the_example_alert_rules_name_only_series_a_scrape_has(client, seeded_db):
    """deploy/prometheus/epi-alerts.yml: nightly missing for 26 h, a text in doubt, the sync failing,
    the error rate — each rule reads series /metrics exposes (promtool is not on our machines)."""
    import re
    from pathlib import Path

    import yaml

    with psycopg.connect(seeded_db) as c:    # every series present: a finished run, a sync run
        c.execute("insert into epi.job_run (job, as_of, finished_at, ok) values ('nightly', current_date, now(), true),"
                  " ('frontdb', current_date, now(), true)")
    client.get("/healthz").close()
    text = client.get("/metrics").get_data(as_text=True)
    exposed = {family.name for family in text_string_to_metric_families(text)} | \
              {s.name for family in text_string_to_metric_families(text) for s in family.samples}
    rules = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy/prometheus/epi-alerts.yml").read_text())
    alerts = {r["alert"]: r for group in rules["groups"] for r in group["rules"]}
    assert {"EpiNightlyMissing", "EpiTextInDoubt", "EpiFrontdbSyncFailing", "EpiHighErrorRate"} <= set(alerts)
    functions = {"time", "max", "min", "sum", "rate", "absent", "clamp_min", "on", "and", "or"}
    for name, rule in alerts.items():
        series = set(re.findall(r"\b(epi_[a-z_]+)", rule["expr"]))
        assert series and series <= exposed, (name, series - exposed)
        assert set(re.findall(r"\b([a-z_]+)\(", rule["expr"])) <= functions, name
        assert rule["annotations"]["summary"] and rule["labels"]["severity"] in ("warning", "critical")
