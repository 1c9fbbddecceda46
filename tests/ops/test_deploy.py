"""Deployment files (issue 26, point 5): systemd units for the web app, the scheduler and the backup
(verified by systemd-analyze against a staged root holding the paths and user they name), an nginx
site, an environment-file template with every variable the code reads."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ["kaiping-epi-web.service", "kaiping-epi-scheduler.service", "kaiping-epi-backup.service",
         "kaiping-epi-backup.timer"]
CODE = [p for d in ("core", "db", "web", "loaders", "jobs", "ops", "demo") for p in (ROOT / d).rglob("*.py")] + [ROOT / "tasks.py"]


def variables_the_code_reads() -> set[str]:
    found = set()
    for path in CODE:
        found |= set(re.findall(r"\b(EPI_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b", path.read_text(encoding="utf-8")))
    return found


def template() -> dict[str, str]:
    """name → value of every line of the template, commented-out ones too."""
    text = (DEPLOY / "kaiping-epi.env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", text, re.M))


def test_every_variable_the_code_reads_is_in_the_template_and_the_readme():
    names = variables_the_code_reads()
    assert {"EPI_WEB_DATABASE_URL", "EPI_LOG_FORMAT", "EPI_METRICS_ALLOW", "EPI_BACKUP_KEY"} <= names
    listed = template()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(n for n in names if n not in listed and not any(k.startswith(n) for k in listed))
    assert missing == [], missing
    undocumented = sorted(n for n in names if f"`{n}" not in readme)
    assert undocumented == [], undocumented


def test_the_templates_values_make_a_production_app(monkeypatch, tmp_path):
    """Filled in as the comments say, the template is a configuration the app accepts."""
    from web import create_app

    for name, value in template().items():
        monkeypatch.delenv(name, raising=False)
        if value and "CHANGE-ME" not in value and name != "DATABASE_URL":
            monkeypatch.setenv(name, value)
    for name in ("EPI_OA_JWT_SECRET", "EPI_SECRET_KEY", "EPI_AUDIT_HMAC_KEY"):
        monkeypatch.setenv(name, "x" * 48)
    monkeypatch.setenv("EPI_VAR_DIR", str(tmp_path))
    from core import crypto  # the key file `invoke keys.new` writes where EPI_KEY_FILE says
    crypto.write_key_file(tmp_path / "personal-data.key")
    monkeypatch.setenv("EPI_KEY_FILE", str(tmp_path / "personal-data.key"))
    crypto.reset()
    app = create_app({"DATABASE_WEB_URL": "postgresql://epi_web@localhost/none"})
    crypto.reset()
    assert app.config["PRODUCTION"] and not app.config["DEV_LOGIN"] and app.config["SESSION_COOKIE_SECURE"]
    assert app.config["MAX_CONTENT_LENGTH"] == 200 * 1024 * 1024


def test_the_units_run_commands_that_exist():
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=60).stdout
    tasks = set(re.findall(r"^\s+([\w.-]+)", listed, re.M))
    for unit in UNITS[:3]:
        text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
        command = re.search(r"^ExecStart=/opt/kaiping-epi/\.venv/bin/invoke (\S+)", text, re.M).group(1)
        assert command in tasks, (unit, command)
        assert ("User=postgres" if "backup" in unit else "User=kaiping-epi") in text and "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
        assert "UMask=0077" in text
    web = (DEPLOY / "systemd" / "kaiping-epi-web.service").read_text(encoding="utf-8")
    assert "Restart=on-failure" in web and "admin.env" not in web    # the web app never holds the superuser
    assert "admin.env" in (DEPLOY / "systemd" / "kaiping-epi-backup.service").read_text(encoding="utf-8")


def staged_root(base: Path) -> Path:
    """A root holding what the units name: the code's invoke, the environment files, the user."""
    root = base / "root"
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    invoke = root / "opt/kaiping-epi/.venv/bin/invoke"
    invoke.parent.mkdir(parents=True)
    invoke.write_text("#!/bin/sh\n")
    invoke.chmod(0o755)
    (root / "etc/kaiping-epi").mkdir(parents=True)
    shutil.copy(DEPLOY / "kaiping-epi.env.example", root / "etc/kaiping-epi/kaiping-epi.env")
    (root / "etc/kaiping-epi/admin.env").write_text("DATABASE_URL=postgresql://postgres@/kaiping\n")
    for name in ("passwd", "group"):
        host = Path("/etc", name).read_text()
        line = "kaiping-epi:x:990:990::/var/lib/kaiping-epi:/usr/sbin/nologin\n" if name == "passwd" \
            else "kaiping-epi:x:990:\n"
        (root / "etc" / name).write_text(host + line)
    for path in ("var/lib/kaiping-epi", "var/backups/kaiping-epi"):
        (root / path).mkdir(parents=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(DEPLOY / "systemd" / unit, root / "etc/systemd/system" / unit)
    return root


def verify(root: Path, *units: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                           *(str(root / "etc/systemd/system" / u) for u in units)],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not shutil.which("systemd-analyze") or not Path("/lib/systemd/system/sysinit.target").exists(),
                    reason="systemd-analyze and the host's unit directory are not on this machine")
def test_systemd_analyze_verifies_the_units_against_a_staged_root(tmp_path):
    root = staged_root(tmp_path)
    res = verify(root, *UNITS)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "kaiping-epi" not in res.stderr, res.stderr      # no warning about our units either
    # the check can fail: the same unit naming a program the root does not hold is refused
    broken = root / "etc/systemd/system/kaiping-epi-broken.service"
    broken.write_text((DEPLOY / "systemd/kaiping-epi-web.service").read_text().replace(
        "/opt/kaiping-epi/.venv/bin/invoke", "/opt/kaiping-epi/.venv/bin/missing"))
    res = verify(root, "kaiping-epi-broken.service")
    assert res.returncode != 0 and "is not executable" in res.stdout + res.stderr


def test_the_nginx_site_caps_uploads_logs_no_query_string_and_streams():
    text = (DEPLOY / "nginx/kaiping-epi.conf").read_text(encoding="utf-8")
    assert "client_max_body_size 201m;" in text                    # EPI_MAX_UPLOAD_MB 200 and the form
    log_format = re.search(r"log_format kaiping_epi(.*?);", text, re.S).group(1)
    for leak in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$arg_"):
        assert leak not in log_format, leak
    assert "$uri" in log_format
    assert text.count("access_log /var/log/nginx/kaiping-epi.access.log kaiping_epi;") == 2
    assert "proxy_buffering off;" in text and "proxy_max_temp_file_size 0;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text    # one hop, not spoofable
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text and "ssl_protocols TLSv1.2 TLSv1.3;" in text
    assert template()["EPI_PROXY_HOPS"] == "1"


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed on this machine")
def test_nginx_accepts_the_site(tmp_path):
    site = (DEPLOY / "nginx/kaiping-epi.conf").read_text().replace("/var/log/nginx", str(tmp_path)) \
        .replace("/var/lib/nginx", str(tmp_path))
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=zone.kaiping.example",
                    "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem"), "-days", "1"],
                   check=True, capture_output=True)
    site = site.replace("/etc/ssl/kaiping-epi", str(certs))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"
                                         f" events {{}} http {{ include {tmp_path}/site.conf; }}\n")
    res = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True,
                         check=False, env=dict(os.environ))
    assert res.returncode == 0, res.stderr
