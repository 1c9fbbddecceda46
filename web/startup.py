"""What a web process checks and cleans up when it starts: its personal-data keys (core/crypto.py), uploads left by a process that died (they hold
full records: 0700 directory) and the page imports it was running (marked failed)."""
from __future__ import annotations

from flask import Flask


def sweep(app: Flask) -> None:
    from core import crypto
    from web import import_jobs, uploads

    # the personal-data keys are there and are the data's (issue 49): refused at start, not at a reveal
    crypto.check_at_start(app.config["DATABASE_WEB_URL"], app.logger)
    if swept := uploads.sweep(uploads.folder(app.config["UPLOAD_DIR"])):
        app.logger.warning("已删除上次运行遗留的上传文件 %d 个", swept)
    # the page's imports of a process that died are marked failed (their uploads were swept above)
    import_jobs.reap_at_start(app.config["DATABASE_WEB_URL"], app.logger)
