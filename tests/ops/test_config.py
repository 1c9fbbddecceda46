"""One configuration (issue 40, point 1): core.config reads every variable once, at start; a wrong
value stops the process with a Chinese message naming the variable and what it expects; README's
table and the env template list exactly its variables; nothing else reads the environment."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core import config

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for d in ("db", "web", "loaders", "jobs", "ops", "demo") for p in (ROOT / d).rglob("*.py")] + [ROOT / "tasks.py"]


def readme_table() -> tuple[set[str], set[str]]:
    """The variables README's table is about (its first column) and all it names in its rows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Configuration")
    rows = re.findall(r"^\|.*\|$", readme[start:readme.index("\n### ", start + 5)], re.M)
    names = re.compile(r"`(EPI_[A-Z0-9_<>]*|DATABASE_URL)`")
    return ({n for row in rows for n in names.findall(row.split(" | ")[0])},
            {n for row in rows for n in names.findall(row)})


def template_names() -> set[str]:
    text = (ROOT / "deploy" / "kaiping-epi.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, re.M))


def test_readme_table_and_template_list_exactly_the_configurations_variables():
    names = set(config.BY_NAME)
    family = {"EPI_OA_PASSWORD_<LOGIN>"}
    about, named = readme_table()
    assert about - family <= names and named - family - {"EPI_OA_PASSWORD_OA_KAIPING"} == names
    assert {n for n in template_names() if not n.startswith(config.OA_PASSWORD_PREFIX)} == names


def test_nothing_but_the_configuration_reads_the_environment():
    """Every EPI_* and DATABASE_URL value comes from core.config (the demo may set defaults)."""
    readers = []
    for path in CODE:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"os\.environ(?!\.setdefault)|os\.getenv|environ\.get", line):
                readers.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert readers == []


def test_every_problem_is_named_with_what_it_expects_and_secrets_are_not_shown():
    with pytest.raises(config.ConfigError) as err:
        config.load({"EPI_SMS_MAX_ATTEMPTS": "abc", "EPI_LOG_FORMAT": "xml", "EPI_AUDIT_HMAC_KEY": "short-secret",
                     "EPI_METRICS_ALLOW": "10.0.0.0/8, not-an-address", "EPI_COOKIE_SECURE": "yes"})
    assert str(err.value) == (
        "配置有误：EPI_AUDIT_HMAC_KEY 应为至少 32 个字符的密钥（已设置，内容不显示）；"
        "EPI_COOKIE_SECURE 应为 0 或 1（当前为“yes”）；"
        "EPI_LOG_FORMAT 应为 text 或 json（当前为“xml”）；"
        "EPI_METRICS_ALLOW 应为以逗号分隔的地址或网段（当前为“10.0.0.0/8, not-an-address”）；"
        "EPI_SMS_MAX_ATTEMPTS 应为正整数（次）（当前为“abc”）")
    assert "short-secret" not in str(err.value)


def test_defaults_and_values_are_parsed_once_into_their_types():
    cfg = config.load({"EPI_SMS_GATEWAY": " MAS ", "EPI_PROXY_HOPS": "2", "EPI_COOKIE_SAMESITE": "none"})
    assert (cfg.sms_gateway, cfg.proxy_hops, cfg.cookie_samesite) == ("mas", 2, "None")
    assert (cfg.max_upload_mb, cfg.session_idle_minutes, cfg.sms_dispatch_seconds, cfg.log_level) == (200, 30, 300.0, "INFO")
    assert cfg.oa_jwt_secret is None and cfg.given == frozenset({"EPI_SMS_GATEWAY", "EPI_PROXY_HOPS", "EPI_COOKIE_SAMESITE"})
    assert "EPI_MAS_SECRET_KEY" not in repr(config.load({"EPI_MAS_SECRET_KEY": "s3cr3t-value"})).replace(
        "'EPI_MAS_SECRET_KEY': '***'", "")


def test_the_jobs_needs_are_checked_at_start():
    with pytest.raises(config.ConfigError, match="EPI_SMS_GATEWAY=mas 需要设置：EPI_MAS_EC_NAME、EPI_MAS_AP_ID、EPI_MAS_SECRET_KEY、EPI_MAS_SIGN"):
        config.check_jobs(config.load({"EPI_SMS_GATEWAY": "mas", "EPI_MAS_URL": "https://mas.example"}))
    with pytest.raises(config.ConfigError, match="EPI_FRONTDB_CONFIG 应为前置库表名配置文件的路径"):
        config.check_jobs(config.load({"EPI_FRONTDB_CONFIG": "/nonexistent/frontdb.json"}))
    config.check_jobs(config.load({}))


def _run(args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("EPI_")}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=base | env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_a_wrong_value_stops_every_command_at_start_with_one_clear_line():
    done = _run(["--list"], EPI_SMS_MAX_ATTEMPTS="abc")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "配置有误：EPI_SMS_MAX_ATTEMPTS 应为正整数（次）（当前为“abc”）"


def test_the_scheduler_stops_at_start_when_its_gateway_is_incomplete():
    done = _run(["scheduler"], EPI_SMS_GATEWAY="http", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "EPI_SMS_GATEWAY=http 需要设置 EPI_SMS_WEBHOOK_URL" in done.stderr
