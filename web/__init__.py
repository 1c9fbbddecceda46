"""The web layer (Flask). For now: the application factory, a health check and a home page that
says the database is ready. The module pages come with the web issue."""
from __future__ import annotations

from flask import Flask, jsonify

from web import db as webdb


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)
    webdb.init_app(app)

    @app.get("/healthz")
    def healthz():
        try:
            webdb.get_db().execute("select 1")
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return jsonify(error="数据库无法连接"), 503
        return jsonify(status="ok")

    @app.get("/")
    def home():
        return ("<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>疫情防控监管专区</title>"
                "<h1>开平市疫情防控监管专区</h1><p>数据库已就绪。各功能模块页面正在建设中。</p></html>")

    return app
