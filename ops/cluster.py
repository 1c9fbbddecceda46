"""A Patroni cluster on this machine (issue 46): `invoke cluster.up`, `cluster.status`, `cluster.down`.

One etcd and N Patroni nodes (Debian's `etcd-server` and `patroni` over its PostgreSQL 15, with
pg_cron and pgAudit preloaded on every node) on loopback ports, each node from the template the
servers use (deploy/patroni/node.yml.in): synchronous mode, the failover timings of README "High
availability". Run as root, the processes are the `postgres` OS user's (PostgreSQL refuses root).
The zone reaches the leader through libpq's multi-host string with target_session_attrs=read-write:
every host is tried in turn and only the one that accepts writes is kept, so the web pool and the
jobs find the new leader by themselves after a failover. The cluster's state (ports, process ids of
the starters, the connection string) is kept in <dir>/cluster.json; its passwords are random per
cluster and loopback connections are trusted (a throwaway cluster, like CI's PostgreSQL 15).
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "patroni" / "node.yml.in"
DEFAULT_DIR = Path("/tmp/kaiping-epi-cluster")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DBNAME = "kaiping"


class ClusterError(Exception):
    """A cluster that cannot start, or is not there: the message says why, in Chinese."""


@dataclass
class Node:
    name: str
    pg_port: int
    rest_port: int

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"


@dataclass
class Cluster:
    dir: str
    etcd_port: int
    etcd_peer_port: int
    nodes: list[Node] = field(default_factory=list)
    dbname: str = DBNAME

    @property
    def path(self) -> Path:
        return Path(self.dir)

    def url(self, dbname: str | None = None) -> str:
        """The admin connection string that always reaches the leader (libpq multi-host)."""
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.nodes)
        return (f"postgresql://postgres@{hosts}/{dbname or self.dbname}"
                "?target_session_attrs=read-write&connect_timeout=3")

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def data_dir(self, node: Node) -> Path:
        return self.path / node.name / "data"

    def save(self) -> None:
        (self.path / "cluster.json").write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> Cluster:
        state = Path(directory) / "cluster.json"
        if not state.is_file():
            raise ClusterError(f"{directory} 中没有集群（cluster.json 不存在）：请先运行 invoke cluster.up")
        data = json.loads(state.read_text(encoding="utf-8"))
        data["nodes"] = [Node(**n) for n in data["nodes"]]
        return cls(**data)


def missing_packages() -> list[str]:
    """What this machine lacks for a cluster (Debian packages), empty when it has everything."""
    lacks = []
    for command, package in (("patroni", "patroni"), ("etcd", "etcd-server")):
        if shutil.which(command) is None:
            lacks.append(package)
    if not (PG_BIN / "postgres").exists():
        lacks.append("postgresql-15")
    for lib, package in (("pg_cron.so", "postgresql-15-cron"), ("pgaudit.so", "postgresql-15-pgaudit")):
        if not (PG_BIN.parent / "lib" / lib).exists():
            lacks.append(package)
    return lacks


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _as_postgres() -> dict:
    """Popen's arguments that run a process as the postgres OS user when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    pw = pwd.getpwnam("postgres")
    # a clean environment of its own (a daemon's): nothing of ours leaks into Patroni's
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [],
            "env": {"HOME": pw.pw_dir, "USER": "postgres", "LOGNAME": "postgres", "LANG": "C.UTF-8",
                    "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}}


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def _start(cluster: Cluster, name: str, argv: list[str]) -> int:
    """Start a process of the cluster in its own session, its output in <dir>/<name>.log."""
    log = open(cluster.path / f"{name}.log", "ab")   # noqa: SIM115 (the child keeps it)
    _own(cluster.path / f"{name}.log")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=cluster.dir, **_as_postgres())
    log.close()
    (cluster.path / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict | None]:
    """(status, JSON body) of a GET; (0, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None
    except (OSError, ValueError):
        return 0, None


def members(cluster: Cluster) -> list[dict]:
    """The cluster's members as Patroni tells them (GET /cluster of any node that answers)."""
    for node in cluster.nodes:
        status, body = _get(node.rest + "/cluster")
        if status == 200 and body:
            return body.get("members", [])
    return []


def leader(cluster: Cluster) -> Node | None:
    """The node whose Patroni says it is the primary (GET /primary answers 200 there only)."""
    for node in cluster.nodes:
        if _get(node.rest + "/primary", timeout=1.0)[0] == 200:
            return node
    return None


def wait_until(what: str, ready, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(step)
    raise ClusterError(f"等待{what}超时（{timeout:.0f} 秒）")


def healthy(cluster: Cluster) -> bool:
    """Every node running, one leader, a synchronous standby streaming."""
    found = members(cluster)
    roles = sorted(m.get("role") for m in found)
    running = all(m.get("state") in ("running", "streaming") for m in found)
    return len(found) == len(cluster.nodes) and running and "leader" in roles and \
        (len(cluster.nodes) == 1 or "sync_standby" in roles)


def up(directory: str | Path = DEFAULT_DIR, nodes: int = 3, *, upgrade: bool = True, echo=print) -> Cluster:
    """Start etcd and the Patroni nodes, wait for a leader and a synchronous standby, create the
    zone's database and bring it to the code's schema (db.upgrade); answer the cluster."""
    if lacks := missing_packages():
        raise ClusterError("缺少软件包：" + "、".join(lacks) + "（apt-get install " + " ".join(lacks) + "）")
    if nodes < 1 or nodes > 5:
        raise ClusterError("节点数应为 1 至 5")
    path = Path(directory)
    if (path / "cluster.json").exists():
        raise ClusterError(f"{path} 中已有集群：先运行 invoke cluster.down --dir {path}")
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    _own(path)
    ports = _free_ports(2 + 2 * nodes)
    cluster = Cluster(str(path), ports[0], ports[1],
                      [Node(f"node{i + 1}", ports[2 + 2 * i], ports[3 + 2 * i]) for i in range(nodes)])
    cluster.save()
    etcd_url, peer_url = f"http://127.0.0.1:{cluster.etcd_port}", f"http://127.0.0.1:{cluster.etcd_peer_port}"
    (path / "etcd").mkdir(exist_ok=True)
    _own(path / "etcd")
    (path / "etcd").chmod(0o700)
    _start(cluster, "etcd", ["etcd", "--name", "etcd1", "--data-dir", str(path / "etcd"),
                             "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
                             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                             "--initial-cluster", f"etcd1={peer_url}", "--initial-cluster-token", "kaiping-epi"])
    wait_until("etcd", lambda: _get(etcd_url + "/health")[0] == 200, 30)
    template = string.Template(TEMPLATE.read_text(encoding="utf-8"))
    for node in cluster.nodes:
        node_dir = path / node.name
        node_dir.mkdir(exist_ok=True)
        node_dir.chmod(0o700)
        _own(node_dir)
        config = template.substitute(
            name=node.name, rest_address=f"127.0.0.1:{node.rest_port}", etcd_hosts=f"127.0.0.1:{cluster.etcd_port}",
            dbname=cluster.dbname, network="127.0.0.1/32", pg_address=f"127.0.0.1:{node.pg_port}",
            data_dir=str(node_dir / "data"), bin_dir=str(PG_BIN), pgpass=str(node_dir / "pgpass"),
            superuser_password=secrets.token_urlsafe(18), replication_password=secrets.token_urlsafe(18),
            rewind_password=secrets.token_urlsafe(18), socket_dir=str(node_dir), watchdog_mode="off")
        # a loopback cluster: trust on 127.0.0.1 (the servers' template keeps scram-sha-256)
        config = config.replace("scram-sha-256\n", "trust\n").replace("local all all peer", "local all all trust")
        (node_dir / "patroni.yml").write_text(config, encoding="utf-8")
        _own(node_dir / "patroni.yml")
        _start(cluster, node.name, ["patroni", str(node_dir / "patroni.yml")])
    echo(f"等待 {nodes} 个节点选出主节点并建立同步备节点……")
    wait_until("集群就绪", lambda: healthy(cluster), 180, step=1.0)
    if upgrade:
        from db import upgrade as up_

        up_.upgrade(cluster.url(), echo=echo)
    return cluster


def _pid(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().split()[0])
    return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):   # a zombie of ours is not alive
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
            return False
    return True


def patroni_pid(cluster: Cluster, node: Node) -> int | None:
    return _pid(cluster.path / f"{node.name}.pid")


def postmaster_pid(cluster: Cluster, node: Node) -> int | None:
    return _pid(cluster.data_dir(node) / "postmaster.pid")


def kill_server(cluster: Cluster, node: Node) -> list[int]:
    """The loss of a node's server, as near as one machine can: its Patroni and its postmaster
    SIGKILLed together (no clean shutdown, no demotion, the leader key left to lapse)."""
    pids = [p for p in (patroni_pid(cluster, node), postmaster_pid(cluster, node)) if _alive(p)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def down(directory: str | Path = DEFAULT_DIR, *, keep: bool = False, echo=print) -> None:
    """Stop the Patroni nodes (each stops its PostgreSQL), then etcd; remove the directory."""
    path = Path(directory)
    cluster = Cluster.load(path)
    for node in cluster.nodes:
        if _alive(pid := patroni_pid(cluster, node)):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    for node in cluster.nodes:
        while _alive(patroni_pid(cluster, node)) and time.monotonic() < deadline:
            time.sleep(0.3)
        for pid in (patroni_pid(cluster, node), postmaster_pid(cluster, node)):   # what did not stop
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    if _alive(pid := _pid(path / "etcd.pid")):
        os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(Exception):
            wait_until("etcd 停止", lambda: not _alive(pid), 10, step=0.2)
    if not keep:
        shutil.rmtree(path, ignore_errors=True)
    echo(f"集群已停止{'' if keep else '，目录已删除'}：{path}")


def describe(cluster: Cluster) -> str:
    """cluster.status: each member's role, state, lag and port."""
    found = members(cluster)
    if not found:
        return "没有节点应答（集群未运行？）"
    roles = {"leader": "主节点", "sync_standby": "同步备节点", "replica": "异步备节点", "standby_leader": "备集群主节点"}
    lines = [f"{'节点':<8}{'角色':<10}{'状态':<12}{'复制延迟':<10}端口"]
    for m in sorted(found, key=lambda m: m["name"]):
        lag = m.get("lag", "")
        lines.append(f"{m['name']:<10}{roles.get(m.get('role'), m.get('role')):<10}{m.get('state', ''):<14}"
                     f"{lag!s:<12}{m.get('port', '')}")
    return "\n".join(lines)
