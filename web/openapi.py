"""The OpenAPI 3.0 description of the JSON API, served at /api/openapi.json (no sign-in: it names
routes and fields, never data). tests/hostile/test_api_schema.py feeds every operation what
schemathesis generates from it, and hostile values of our own, and requires no 500."""
from __future__ import annotations

from flask import Blueprint, jsonify

from db.vocabulary import ALERT_REASONS, ALERT_STATUSES
from web import db as webdb
from web.queries import CONTAINS, EXACT, RANGES, STATS_CONTAINS, STATS_EXACT

bp = Blueprint("openapi", __name__)

ERROR = {"description": "错误（中文说明）", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
COMMON = {"400": ERROR, "401": ERROR, "403": ERROR}
NULLABLE_INT = {"type": "integer", "nullable": True}
NULLABLE_STR = {"type": "string", "nullable": True}


def _obj(props: dict, required=()) -> dict:
    return {"type": "object", "properties": props, "required": list(required)}


def _ok(schema: dict) -> dict:
    return {"description": "成功", "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


VENUE = _obj({"venue_id": {"type": "string"}, "venue_name": NULLABLE_STR, "category": NULLABLE_STR,
              "street": NULLABLE_STR, "flow_min": NULLABLE_INT, "flow_max": NULLABLE_INT}, ["venue_id"])
ALERT = _obj({"alert_id": {"type": "integer"}, "venue_id": {"type": "string"}, "reason": {"type": "string"},
              "status": {"type": "string"}, "period_start": {"type": "string"}, "period_end": {"type": "string"},
              "days": {"type": "array", "items": _obj({"day": {"type": "string"}, "n": {"type": "integer"}})}},
             ["alert_id", "venue_id", "reason"])

SCAN_FILTERS = ([_query(c, "精确匹配") for c in sorted(EXACT)] + [_query(c, "包含") for c in sorted(CONTAINS)]
                + [_query(f"{n}_{s}", "时间，YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS")
                   for n in RANGES for s in ("from", "to")]
                + [_query("after", "下一页：上一次返回的 next"), _query("before", "上一页：上一次返回的 prev"),
                   _query("sort", "排序：collected_at（采集时间，默认）或 imported_at（数据导入时间）",
                          {"type": "string", "enum": ["collected_at", "imported_at"]}),
                   _query("dir", "desc（默认，新的在前）或 asc", {"type": "string", "enum": ["desc", "asc"]}),
                   _query("count", "1：同时返回符合条件的条数（精确到 10000 条，超过时 count_exceeds 为 true）",
                          {"type": "string", "enum": ["1"]})])


def spec(limits: dict[str, int]) -> dict:
    """The description; ``limits``: the database's rule limits (epi.rule_limits), so that the bounds
    it states are the ones the database checks."""
    threshold = {"type": "integer", "minimum": 0, "maximum": limits["threshold_max"], "nullable": True}
    return {
        "openapi": "3.0.3",
        "info": {"title": "开平市疫情防控监管专区 API", "version": "1",
                 "description": "与页面相同的权限：OA 票据（JWT）作为 Bearer；每个单位只看到本单位的数据。"},
        "servers": [{"url": "/"}],
        "security": [{"oa": []}],
        "components": {
            "securitySchemes": {"oa": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"Error": _obj({"error": {"type": "string"}, "field": {"type": "string"}}, ["error"])},
        },
        "paths": {
            "/api/venues": {"get": {
                "summary": "本单位的场所（未设置/已设置阈值），每次 100 个",
                "parameters": [_query("tab", "unset 或 set", {"type": "string", "enum": ["unset", "set"]}),
                               _query("after", "上一页最后的场所ID")],
                "responses": {"200": _ok(_obj({"venues": {"type": "array", "items": VENUE}, "next": NULLABLE_STR},
                                              ["venues", "next"])), **COMMON}}},
            "/api/venues/{venue_id}/threshold": {"put": {
                "summary": "设置本单位场所的日人流量阈值",
                "parameters": [{"name": "venue_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
                    {"flow_min": threshold, "flow_max": threshold}, ["flow_min", "flow_max"])}}},
                "responses": {"200": _ok(_obj({"venue": VENUE}, ["venue"])), "404": ERROR, **COMMON}}},
            "/api/scans": {"get": {
                "summary": "本单位场所的扫码记录，默认按采集时间倒序，每页 50 条，可前后翻页",
                "parameters": SCAN_FILTERS,
                "responses": {"200": _ok(_obj({"scans": {"type": "array", "items": {"type": "object"}},
                                               "next": NULLABLE_STR, "prev": NULLABLE_STR,
                                               "count": {"type": "integer"}, "count_exceeds": {"type": "boolean"}},
                                              ["scans", "next", "prev"])), **COMMON}}},
            "/api/scans/search": {"post": {
                "summary": "同 GET /api/scans，查询条件放在请求体中（推荐：被采集人身份证、联系电话等不会出现在网址和日志中）",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
                    {p["name"]: p["schema"] | {"description": p["description"]} for p in SCAN_FILTERS}
                    | {"count": {"type": "boolean", "description": "是否返回符合条件的条数（最多精确到 10,000）"}}, [])}}},
                "responses": {"200": _ok(_obj({"scans": {"type": "array", "items": {"type": "object"}},
                                               "next": NULLABLE_STR, "prev": NULLABLE_STR,
                                               "count": {"type": "integer"}, "count_exceeds": {"type": "boolean"}},
                                              ["scans", "next", "prev"])), **COMMON}}},
            "/api/scans/{scan_id}/reveal": {"post": {
                "summary": "查看一条扫码记录的完整个人信息（需菜单 scan_reveal 和查看事由；记入审计日志）",
                "parameters": [{"name": "scan_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
                    {"reason": {"type": "string", "minLength": 2, "maxLength": 200}}, ["reason"])}}},
                "responses": {"200": _ok(_obj({"scan": {"type": "object"}}, ["scan"])), "404": ERROR, **COMMON}}},
            "/api/stats": {"get": {
                "summary": "本单位场所在日期范围内的扫码量（默认最近 30 天，最长一年）",
                "parameters": [_query("from", "开始日期 YYYY-MM-DD"), _query("to", "结束日期 YYYY-MM-DD")]
                + [_query(c, "精确匹配") for c in STATS_EXACT] + [_query(c, "包含") for c in STATS_CONTAINS],
                "responses": {"200": _ok(_obj({"from": {"type": "string"}, "to": {"type": "string"},
                                               "conditions": {"type": "object"},
                                               "venues": {"type": "array", "items": {"type": "object"}}},
                                              ["from", "to", "venues"])), **COMMON}}},
            "/api/alerts": {"get": {
                "summary": "本单位的预警",
                "parameters": [_query("status", " 或 ".join(ALERT_STATUSES),
                                      {"type": "string", "enum": list(ALERT_STATUSES)}),
                               _query("period_from", "预警时间段（与之重叠）从，YYYY-MM-DD"),
                               _query("period_to", "预警时间段（与之重叠）至，YYYY-MM-DD"),
                               _query("reason", "预警原因", {"type": "string", "enum": list(ALERT_REASONS)}),
                               _query("venue", "公共场所ID或名称的一部分")],
                "responses": {"200": _ok(_obj({"alerts": {"type": "array", "items": ALERT}}, ["alerts"])), **COMMON}}},
            "/api/alerts/{alert_id}/accept": {"post": {
                "summary": "接收本单位的一条预警",
                "parameters": [{"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _ok(_obj({"alert": ALERT}, ["alert"])), "404": ERROR, "409": ERROR, **COMMON}}},
        },
    }


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(spec(webdb.rule_limits()))
