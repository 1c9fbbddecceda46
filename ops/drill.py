"""`invoke cluster.drill` (issue 46, points 4 and 5): the loss of the leader's server, proved.

A 3-node Patroni cluster on this machine (ops/cluster.py), the zone on it (db.upgrade, units and
venues from the synthetic demo generator, the web app under waitress with the multi-host string),
then, while web traffic and an import from the page run, the leader's Patroni and postmaster are
SIGKILLed together. Measured from the kill: a new leader, writes accepted again, /readyz 200 again
(no restart of the app), seconds of 503s, requests failed. Checked afterwards: every write the app
acknowledged (HTTP 200, each a threshold change with its audit entry in the same transaction) is
there; the interrupted import is whole or absent, its page job failed with a Chinese message, and
the same file imports again; no text was sent twice; the audit chain verifies. Then a planned
switchover (`patronictl switchover`) under the same traffic, its failed requests counted, and what
synchronous mode costs an import (the same file, with and without, in this run). Every figure is
printed; a failed check ends the drill with exit code 1.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import psycopg
import requests

from ops import cluster as ha

WRITE_GOAL, READY_GOAL = 30.0, 40.0   # seconds from the kill (issue 46, point 4)
IMPORT_ROWS = 300_000                  # an import that takes several seconds: the kill falls inside it


class DrillFailed(Exception):
    """A check of the drill that did not hold: the message names it."""


@dataclass
class Traffic:
    """Requests sent while something happens to the cluster: (monotonic time of the answer, what,
    status, monotonic time the request was sent)."""
    base: str
    token: str
    venue: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[float, str, int, float]] = field(default_factory=list)
    acknowledged: int = 0
    servers: set = field(default_factory=set)

    def _write(self):
        session, i = requests.Session(), 0
        while not self.stop.is_set():
            i += 1
            sent = time.monotonic()   # when the request left: a write sent before the kill is no recovery
            try:
                res = session.put(f"{self.base}/api/venues/{self.venue}/threshold", timeout=25,
                                  json={"flow_min": 1 + i % 50, "flow_max": 100_000 + i},
                                  headers={"Authorization": "Bearer " + self.token})
                status = res.status_code
                if status == 200:
                    self.acknowledged += 1
                elif status not in (503,):
                    status = status if "Traceback" not in res.text else 599
            except requests.RequestException:
                status = 0
            self.answers.append((time.monotonic(), "write", status, sent))
            time.sleep(0.05)

    def _read(self):
        session = requests.Session()
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                res = session.get(f"{self.base}/readyz", timeout=25)
                status = res.status_code
                if status == 200:
                    self.servers.add(res.json().get("server"))
                elif status == 503 and res.headers.get("Retry-After") != "5":
                    status = 598   # a 503 without Retry-After is a defect
            except requests.RequestException:
                status = 0
            self.answers.append((time.monotonic(), "ready", status, sent))
            time.sleep(0.2)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._write, daemon=True), threading.Thread(target=self._read, daemon=True)]
        for t in threads:
            t.start()
        return threads

    def failed(self, since: float = 0.0) -> int:
        return sum(1 for t, _, s, _ in self.answers if t >= since and s != 200)

    def seconds_of(self, status: int, since: float) -> float:
        times = [t for t, _, s, _ in self.answers if t >= since and s == status]
        return (max(times) - min(times)) if times else 0.0

    def defects(self) -> list[int]:
        return sorted({s for _, _, s, _ in self.answers if s in (500, 598, 599) or s == 0})

    def back_after(self, what: str, t0: float) -> float | None:
        """Seconds from ``t0`` to the answer of the first request of ``what`` sent after it that
        succeeded (a request sent before the kill and answered after it is no recovery)."""
        done = [t for t, w, s, sent in self.answers if w == what and s == 200 and sent > t0]
        return min(done) - t0 if done else None


class SlowGateway:
    """A gateway that takes 3 s to answer: the kill falls between the request and its answer's record."""
    name = "drill"

    def __init__(self):
        self.calls: list[str] = []
        self.error: str | None = None

    def send(self, phone: str, content: str):
        from jobs import gateways

        self.calls.append(content)
        time.sleep(3)
        return gateways.Result(True, "drill: 已记录，未实际发送")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app):
    from waitress.server import create_server

    from web import server

    srv = create_server(app, host="127.0.0.1", port=_port(), **(server.options(app) | {"threads": 8}))
    threading.Thread(target=srv.run, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.effective_port}"


def _ticket(secret: str, **claims) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 600, "jti": secrets.token_hex(8)} | claims, secret, algorithm="HS256")


def _import_from_page(base: str, secret: str, path: Path) -> tuple[requests.Session, str]:
    """Sign on as an ops user (OA's ticket) and upload the file on 扫码进场信息管理: the job's id."""
    browser = requests.Session()
    page = browser.get(f"{base}/scan-admin", timeout=30, params={"ticket": _ticket(
        secret, sub="drill.ops", name="演练运维", menus=["scan_admin", "venue_admin"])})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    with open(path, "rb") as f:
        res = browser.post(f"{base}/scan-admin/upload", data={"csrf_token": token}, timeout=120,
                           files={"file": (path.name, f)}, allow_redirects=False)
    job = re.search(r"job=([0-9a-f]+)", res.headers.get("Location", ""))
    if not job:
        raise DrillFailed(f"上传没有开始导入（HTTP {res.status_code}）")
    return browser, job.group(1)


def _job(browser: requests.Session, base: str, job_id: str, timeout: float = 120.0) -> dict:
    """Wait for the page's import job to end; its state and message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException, ValueError):
            res = browser.get(f"{base}/scan-admin/jobs/{job_id}", timeout=10)
            if res.status_code == 200 and res.json().get("state") != "running":
                return res.json()
        time.sleep(0.5)
    raise DrillFailed(f"页面导入任务 {job_id} 在 {timeout:.0f} 秒内没有结束")


def _patronictl(c: ha.Cluster, *args: str) -> str:
    config = c.path / c.nodes[0].name / "patroni.yml"
    return subprocess.run(["patronictl", "-c", str(config), *args], capture_output=True, text=True, timeout=120,
                          check=True).stdout


def _set_sync(c: ha.Cluster, on: bool) -> None:
    _patronictl(c, "edit-config", "--force", "--set", f"synchronous_mode={'true' if on else 'false'}")
    want = (lambda: "sync_standby" in {m.get("role") for m in ha.members(c)}) if on else \
        (lambda: "sync_standby" not in {m.get("role") for m in ha.members(c)})
    ha.wait_until("同步模式" + ("开启" if on else "关闭"), want, 60, step=0.5)


def run(echo=print, keep: bool = False) -> dict | None:
    """The drill; its figures (None when the packages are missing: a skip, said why)."""
    if lacks := ha.missing_packages():
        echo("跳过高可用演练：缺少软件包 " + "、".join(lacks) + "（.ci/run 以 apt-get 安装）")
        return None
    import logging

    # the pool's every failed attempt during the election, and each request, would bury the figures
    for name in ("psycopg.pool", "epi.access", "web"):
        logging.getLogger(name).setLevel(logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="kaiping-drill-"))
    work.chmod(0o755)
    started = time.monotonic()
    c = ha.up(work / "cluster", 3, echo=lambda *_: None)
    echo(f"集群就绪（{time.monotonic() - started:.1f} 秒）：\n{ha.describe(c)}")
    try:
        return _drill(c, work, echo)
    finally:
        if keep:
            echo(f"集群保留在 {c.dir}（invoke cluster.down --dir {c.dir}）")
        else:
            ha.down(c.dir, echo=lambda *_: None)
            shutil.rmtree(work, ignore_errors=True)


def _drill(c: ha.Cluster, work: Path, echo) -> dict:
    from bench.scanfile import write_scan_xlsx
    from db import database
    from demo.generate import generate
    from jobs import audit, runner, sms
    from loaders import registry, scans
    from web import create_app

    admin = c.url()
    web = database.with_params(admin, user=database.WEB_LOGIN)
    jobs = database.with_params(admin, user=database.JOBS_LOGIN)
    files = generate(work / "files", days=14, venues=30, scans_per_day=100, echo=lambda *_: None)
    registry.load_units(files.units, account="drill", url=web)
    registry.load_venues(files.venues, account="drill", url=web)
    # two scan exports of IMPORT_ROWS rows (synthetic: test ID numbers and phone ranges)
    day_files = [write_scan_xlsx(work / "files" / f"drill-{i}.xlsx", IMPORT_ROWS, seed=i) for i in (1, 2)]
    with psycopg.connect(admin) as conn:
        unit, venue = conn.execute("select unit_code, venue_id from epi.venue where unit_code is not null "
                                   "order by venue_id limit 1").fetchone()

    # what synchronous mode costs an import: the same file, with and without, in this run — with,
    # without, with again, so that neither order nor a growing table favours one (the mean of the two)
    def timed_import(first: bool = False) -> tuple[float, int]:
        t = time.monotonic()
        result = scans.import_scans(day_files[0], by="drill", url=web, force=not first)
        return time.monotonic() - t, result.rows

    sync_a, rows = timed_import(first=True)
    _set_sync(c, False)
    without_sync, _ = timed_import()
    _set_sync(c, True)
    sync_b, _ = timed_import()
    with_sync = (sync_a + sync_b) / 2
    echo(f"同一文件（{rows} 行）导入：同步模式 {with_sync:.1f} 秒，异步 {without_sync:.1f} 秒")

    secret = secrets.token_hex(24)
    app = create_app({"OA_JWT_SECRET": secret, "SECRET_KEY": secrets.token_hex(24), "DATABASE_WEB_URL": web,
                      "UPLOAD_DIR": str(work / "uploads"), "SESSION_COOKIE_SECURE": False, "DB_POOL_TIMEOUT": 10.0})
    srv, base = _serve(app)
    try:
        traffic = Traffic(base, _ticket(secret, sub="drill.unit", name="演练单位", unit=unit, menus=["threshold"]), venue)
        threads = traffic.start()
        time.sleep(3)
        browser, job_id = _import_from_page(base, secret, day_files[1])
        # a job under way too: the full count check over every scan imported (jobs login, multi-host)
        job_outcome: dict = {}

        def count_check():
            try:
                job_outcome["runs"] = runner.run("counts_full", dt.date.today(), url=jobs, dispatch_sms=False)
            except Exception as exc:   # the leader died under it
                job_outcome["error"] = type(exc).__name__
        job_thread = threading.Thread(target=count_check, daemon=True)
        job_thread.start()
        # a text in flight: one unit's text queued, its gateway slow to answer, the kill during the call
        with psycopg.connect(admin) as conn:
            conn.execute("insert into epi.sms_outbox (unit_code, phone, day, content) "
                         "values (%s, '14400000001', current_date, '测试：演练短信')", (unit,))
        gateway = SlowGateway()

        def send_texts():
            try:
                sms.dispatch(url=jobs, gateway=gateway)
            except Exception as exc:   # the leader died between the call and its record
                gateway.error = type(exc).__name__
        text_thread = threading.Thread(target=send_texts, daemon=True)
        text_thread.start()
        ha.wait_until("短信发出", lambda: gateway.calls, 10, step=0.05)
        time.sleep(1.0)                                          # the import and the job under way
        old = ha.leader(c)
        if old is None:
            raise DrillFailed("演练开始前没有主节点")
        t0 = time.monotonic()
        killed = ha.kill_server(c, old)
        echo(f"已 SIGKILL 主节点 {old.name} 的 Patroni 与 postmaster（进程 {killed}）")
        rest = [n for n in c.nodes if n is not old]
        new = ha.wait_until("新的主节点", lambda: next((n for n in rest if ha._get(n.rest + "/primary", 1.0)[0] == 200),
                                                      None), 90, step=0.2)
        leader_s = time.monotonic() - t0
        write_s = ha.wait_until("写入恢复", lambda: traffic.back_after("write", t0), 90, step=0.2)
        ready_s = ha.wait_until("/readyz 恢复", lambda: traffic.back_after("ready", t0), 90, step=0.2)
        job = _job(browser, base, job_id)
        job_thread.join(60)
        text_thread.join(60)
        # the dispatcher again on the new leader: the text in flight is 结果未知, not sent a second time
        again_texts = sms.dispatch(url=jobs, gateway=gateway, stale="0 seconds")
        # the job again on the new leader: it runs, and an interrupted run is marked failed
        rerun = runner.run("counts_full", dt.date.today(), url=jobs, dispatch_sms=False)
        with psycopg.connect(database.with_params(admin, target_session_attrs="read-write")) as conn:
            job_runs = conn.execute("select ok, error from epi.job_run where job = 'counts_full' and parent_run is null "
                                    "order by run_id").fetchall()
        time.sleep(3)
        traffic.stop.set()
        for th in threads:
            th.join(30)
        failover = {"leader_s": leader_s, "write_s": write_s, "ready_s": ready_s,
                    "seconds_of_503": traffic.seconds_of(503, t0), "requests_failed": traffic.failed(t0),
                    "requests": len(traffic.answers), "acknowledged_writes": traffic.acknowledged,
                    "old": old.name, "new": new.name, "servers": sorted(s for s in traffic.servers if s)}

        # every acknowledged write is there; the import whole or absent; no text twice; the chain intact
        with psycopg.connect(database.with_params(admin, target_session_attrs="read-write")) as conn:
            text_state = conn.execute("select status, in_doubt from epi.sms_outbox where content = '测试：演练短信'"
                                      ).fetchone()
            entries = conn.execute("select count(*) from epi.audit_log where action = 'threshold.update' "
                                   "and account = 'drill.unit'").fetchone()[0]
            batches = conn.execute("select b.batch_id, b.row_count, (select count(*) from epi.scan s where s.batch_id = b.batch_id) "
                                   "from epi.import_batch b where b.file_name = %s", (day_files[1].name,)).fetchall()
            texts_twice = conn.execute("select count(*) from (select unit_code, day from epi.sms_outbox where status = 'sent' "
                                       "group by 1, 2 having count(*) > 1) d").fetchone()[0]
        lost = max(0, traffic.acknowledged - entries)
        whole = all(n == stored for _, n, stored in batches) and len(batches) <= 1
        browser2, again_id = _import_from_page(base, secret, day_files[1]) if not batches else (browser, None)
        again = _job(browser2, base, again_id) if again_id else {"state": "done", "message": "（导入在切换前已完成）"}
        verdict = audit.verify(admin)

        # a planned switchover under the same traffic
        traffic2 = Traffic(base, traffic.token, venue)
        threads = traffic2.start()
        time.sleep(3)
        current = ha.leader(c)
        candidate = next(n for n in rest if n is not current)
        t1 = time.monotonic()
        _patronictl(c, "switchover", "--leader", current.name, "--candidate", candidate.name, "--force")
        ha.wait_until("计划切换完成", lambda: ha.leader(c) is candidate, 60, step=0.3)
        switch_s = time.monotonic() - t1
        time.sleep(5)
        traffic2.stop.set()
        for th in threads:
            th.join(30)
    finally:
        srv.close()
        app.extensions["epi_pool"].close()

    figures = failover | {
        "import_with_sync_s": with_sync, "import_without_sync_s": without_sync, "import_rows": rows,
        "committed_rows_lost": lost, "acknowledged_entries": entries,
        "import_job": job, "import_batches": batches, "import_whole_or_absent": whole, "import_again": again,
        "text_calls": len(gateway.calls), "text_interrupted": gateway.error is not None, "text_state": text_state,
        "text_in_doubt_after": again_texts.in_doubt,
        # the runner's connection can die after the run's own record committed (ok, synchronously
        # replicated): then the run was not interrupted, only its caller's answer was lost
        "job_interrupted": "error" in job_outcome and not (job_runs and job_runs[0][0]),
        "job_answer_lost": "error" in job_outcome and bool(job_runs and job_runs[0][0]), "job_runs": job_runs, "job_rerun_ok": all(r.get("ok") for r in rerun),
        "texts_sent_twice": texts_twice, "audit_verified": verdict.ok, "audit_message": verdict.message,
        "switchover_s": switch_s, "switchover_requests_failed": traffic2.failed(t1),
        "switchover_requests": len(traffic2.answers), "defects": sorted(set(traffic.defects() + traffic2.defects())),
    }
    echo(describe(figures))
    problems = checks(figures)
    if problems:
        raise DrillFailed("演练未通过：" + "；".join(problems))
    echo("演练通过")
    return figures


def checks(f: dict) -> list[str]:
    problems = []
    if f["write_s"] > WRITE_GOAL:
        problems.append(f"写入恢复用了 {f['write_s']:.1f} 秒（目标 {WRITE_GOAL:.0f} 秒内）")
    if f["ready_s"] > READY_GOAL:
        problems.append(f"/readyz 恢复用了 {f['ready_s']:.1f} 秒（目标 {READY_GOAL:.0f} 秒内）")
    if f["committed_rows_lost"]:
        problems.append(f"已确认的写入丢失 {f['committed_rows_lost']} 条")
    if not f["import_whole_or_absent"]:
        problems.append(f"中断的导入不完整：{f['import_batches']}")
    if f["import_job"]["state"] == "failed" and "未写入" not in f["import_job"].get("message", "") \
            and "连接" not in f["import_job"].get("message", ""):
        problems.append(f"导入任务的提示不清楚：{f['import_job'].get('message')}")
    if f["import_again"]["state"] != "done":
        problems.append(f"重新导入失败：{f['import_again'].get('message')}")
    if f["text_calls"] != 1:
        problems.append(f"切换中的短信被发送了 {f['text_calls']} 次（应为 1 次）")
    if f["text_interrupted"] and tuple(f["text_state"] or ()) != ("failed", True):
        problems.append(f"中断的短信没有记为结果未知：{f['text_state']}")
    if not f["job_rerun_ok"]:
        problems.append("切换后重新运行的任务失败")
    if f["job_interrupted"] and (len(f["job_runs"]) < 2 or f["job_runs"][0][0] or "中断" not in (f["job_runs"][0][1] or "")):
        problems.append(f"被中断的任务没有记为中断：{f['job_runs']}")
    if f["texts_sent_twice"]:
        problems.append(f"{f['texts_sent_twice']} 条短信重复发送")
    if not f["audit_verified"]:
        problems.append(f"审计链校验失败：{f['audit_message']}")
    if f["defects"]:
        problems.append(f"出现了不应有的应答（500、无 Retry-After 的 503、连接失败）：{f['defects']}")
    return problems


def describe(f: dict) -> str:
    job = f["import_job"]
    return "\n".join([
        f"主节点 {f['old']} 被杀后：{f['leader_s']:.1f} 秒选出新主节点 {f['new']}；"
        f"{f['write_s']:.1f} 秒恢复写入；{f['ready_s']:.1f} 秒 /readyz 恢复（应用未重启；服务节点 {', '.join(f['servers'])}）",
        f"503 持续 {f['seconds_of_503']:.1f} 秒；切换期间失败请求 {f['requests_failed']} / {f['requests']}；"
        f"已确认写入 {f['acknowledged_writes']}，库中审计条目 {f['acknowledged_entries']}，丢失 {f['committed_rows_lost']}",
        f"中断的页面导入：{job['state']}（{job.get('message', '')}）；批次 {f['import_batches'] or '无'}；"
        f"重新导入：{f['import_again']['state']}",
        f"任务（日扫码量全量核对）：{'切换时被中断' if f['job_interrupted'] else '在切换前已提交（之后连接中断）' if f.get('job_answer_lost') else '在切换前已完成'}；"
        f"运行记录 {f['job_runs']}；切换后重跑{'成功' if f['job_rerun_ok'] else '失败'}",
        f"切换中的短信：网关调用 {f['text_calls']} 次，{'发送时被中断' if f['text_interrupted'] else '在切换前已完成'}，"
        f"之后状态 {f['text_state']}（结果未知、未重发）；短信重复发送 {f['texts_sent_twice']}；"
        f"审计链校验：{'完整' if f['audit_verified'] else f['audit_message']}",
        f"计划切换（patronictl switchover）：{f['switchover_s']:.1f} 秒，失败请求 {f['switchover_requests_failed']} / "
        f"{f['switchover_requests']}",
        f"同步模式对导入的影响：同一文件 {f['import_with_sync_s']:.1f} 秒（同步）对 {f['import_without_sync_s']:.1f} 秒（异步）",
        f"（{dt.datetime.now():%Y-%m-%d %H:%M}，{os.cpu_count()} 核）",
    ])
