"""The Patroni cluster's files (issue 46, point 1), read as Patroni and HAProxy would, without the
packages: the node template fills into valid YAML with synchronous mode, failover timings that
keep Patroni's rule and fit the 30 s goal, pg_cron and pgAudit on every node; `invoke cluster.*`
says what is missing where the packages are not installed. (The cluster itself, a failover and a
switchover are the drill's: `invoke cluster.drill`, its own CI step.)"""
from __future__ import annotations

import re
import string

import pytest
import yaml

from ops import cluster

VALUES = dict(name="node1", rest_address="127.0.0.1:8008", etcd_hosts="10.0.0.1:2379,10.0.0.2:2379",
              dbname="kaiping", network="10.0.0.0/24", pg_address="10.0.0.11:5432",
              data_dir="/var/lib/postgresql/15/kaiping", bin_dir="/usr/lib/postgresql/15/bin",
              pgpass="/var/lib/postgresql/.pgpass_patroni", superuser_password="x", replication_password="y",
              rewind_password="z", socket_dir="/var/run/postgresql", watchdog_mode="required")


def node_config() -> dict:
    return yaml.safe_load(string.Template(cluster.TEMPLATE.read_text(encoding="utf-8")).substitute(VALUES))


def test_the_node_template_is_the_cluster_the_readme_promises():
    config = node_config()
    dcs = config["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True and dcs["synchronous_mode_strict"] is False
    assert dcs["ttl"] >= dcs["loop_wait"] + 2 * dcs["retry_timeout"]          # Patroni's own rule
    assert dcs["ttl"] + dcs["loop_wait"] <= 25                                # + promotion: within 30 s
    parameters = dcs["postgresql"]["parameters"]
    assert parameters["shared_preload_libraries"] == "pg_cron,pgaudit" and parameters["cron.database_name"] == "kaiping"
    assert config["etcd3"]["hosts"] == "10.0.0.1:2379,10.0.0.2:2379" and config["watchdog"]["mode"] == "required"
    assert "host all all 10.0.0.0/24 scram-sha-256" in config["bootstrap"]["pg_hba"]
    assert config["postgresql"]["authentication"]["superuser"]["password"] == "x"


def test_a_placeholder_left_unfilled_is_an_error_not_a_silent_default():
    with pytest.raises(KeyError, match="watchdog_mode"):
        string.Template(cluster.TEMPLATE.read_text(encoding="utf-8")).substitute(
            {k: v for k, v in VALUES.items() if k != "watchdog_mode"})


def test_the_cluster_needs_debians_packages_and_says_which(monkeypatch):
    monkeypatch.setattr(cluster.shutil, "which", lambda name: None)
    monkeypatch.setattr(cluster, "PG_BIN", cluster.Path("/nonexistent/15/bin"))
    with pytest.raises(cluster.ClusterError) as info:
        cluster.up("/tmp/never-made")
    assert str(info.value) == ("缺少软件包：patroni、etcd-server、postgresql-15、postgresql-15-cron、postgresql-15-pgaudit"
                               "（apt-get install patroni etcd-server postgresql-15 postgresql-15-cron postgresql-15-pgaudit）")


def test_status_of_no_cluster_says_so(tmp_path):
    with pytest.raises(cluster.ClusterError, match=re.escape("中没有集群（cluster.json 不存在）：请先运行 invoke cluster.up")):
        cluster.Cluster.load(tmp_path)
