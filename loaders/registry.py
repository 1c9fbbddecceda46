"""OA units (`invoke load.units`) and the venue template (`invoke load.venues`). Each file is
loaded in one transaction acting as ops: every row or none, with every bad row named."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from db import database, queries
from loaders.errors import LoadError
from loaders.records import read_records

SQL = queries.load(Path(__file__).with_name("sql") / "registry.sql")

UNIT_LABELS = {"机构编码": "unit_code", "监管单位": "unit_name", "监管单位负责人": "head_name",
               "监管单位负责人手机号": "head_phone"}
VENUE_LABELS = {"公共场所ID": "venue_id", "公共场所": "venue_name", "类别": "category", "所在市区": "city",
                "所在街道": "street", "公共场所管理员": "venue_admin", "所在位置": "location",
                "监管单位": "unit", "场所日人流量阈值（最小值）": "flow_min", "场所日人流量阈值（最大值）": "flow_max"}
FLOW_LABELS = ("场所日人流量阈值（最小值）", "场所日人流量阈值（最大值）")
_INT = re.compile(r"\s*\+?(\d+)(?:\.0*)?\s*$")


@dataclass
class LoadSummary:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    deactivated: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def describe(self, what: str) -> str:
        text = f"{what}：共 {self.rows} 行，新增 {self.inserted}，更新 {self.updated}，未变 {self.unchanged}"
        if self.deactivated:
            text += f"；OA 中已不存在、标记为停用的单位 {len(self.deactivated)} 个：" + "、".join(self.deactivated)
        if self.ignored_columns:
            text += "；已忽略的列：" + "、".join(self.ignored_columns)
        return text


def load_units(path: str | Path, *, account: str, file_name: str | None = None, url: str | None = None) -> LoadSummary:
    """Upsert supervising units from an OA export; units missing from it become inactive."""
    path = Path(path)
    name = file_name or path.name
    records, ignored, problems = read_records(path, list(UNIT_LABELS), ["机构编码", "监管单位"], name)
    rows, seen = [], {}
    for rec in records:
        code, unit_name = rec.text("机构编码"), rec.text("监管单位")
        if not code:
            problems.add(rec.sheet, rec.row, "机构编码", "不能为空")
            continue
        if not unit_name:
            problems.add(rec.sheet, rec.row, "监管单位", "不能为空")
        if code in seen:
            problems.add(rec.sheet, rec.row, "机构编码", f"“{code}”与第 {seen[code]} 行重复")
        seen[code] = rec.row
        rows.append({"unit_code": code, "unit_name": unit_name, "head_name": rec.text("监管单位负责人"),
                     "head_phone": rec.text("监管单位负责人手机号")})
    if not rows and not problems:
        problems.add(None, None, None, "文件中没有单位数据")
    problems.raise_for(name)
    summary = LoadSummary(len(rows), 0, 0, 0, ignored_columns=ignored)
    with psycopg.connect(url or database.web_url()) as conn, database.acting_as(conn, kind="ops", account=account):
        for row in rows:
            _count(summary, conn.execute(SQL["upsert_unit"], row).fetchone())
        summary.deactivated = [r[0] for r in conn.execute(SQL["deactivate_missing_units"],
                                                          {"codes": [r["unit_code"] for r in rows]})]
        conn.execute(SQL["audit"], {"action": "unit.load", "detail": json.dumps({
            "file_name": name, "rows": summary.rows, "inserted": summary.inserted, "updated": summary.updated,
            "deactivated": summary.deactivated}, ensure_ascii=False)})
    return summary


def _count(summary: LoadSummary, returned) -> None:
    if returned is None:
        summary.unchanged += 1
    elif returned[0]:
        summary.inserted += 1
    else:
        summary.updated += 1


def _threshold(rec, label, problems):
    value = rec.values.get(label, "")
    if value.__class__ is str and not value.strip():
        return None
    if value.__class__ in (int, float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    elif value.__class__ is str and (m := _INT.fullmatch(value)):
        return int(m.group(1))
    problems.add(rec.sheet, rec.row, label, "必须是不小于0的整数")
    return None


def load_venues(path: str | Path, *, account: str, file_name: str | None = None, url: str | None = None) -> LoadSummary:
    """Bulk-load venues from the venue template: upsert by 公共场所ID; 监管单位 by 机构编码 or by name."""
    path = Path(path)
    name = file_name or path.name
    records, ignored, problems = read_records(path, list(VENUE_LABELS), ["公共场所ID"], name)
    with psycopg.connect(url or database.web_url()) as conn, database.acting_as(conn, kind="ops", account=account):
        units = conn.execute(SQL["units_all"]).fetchall()
        codes = {code for code, _ in units}
        by_name: dict[str, list[str]] = {}
        for code, unit_name in units:
            by_name.setdefault(unit_name, []).append(code)
        rows, seen = [], {}
        for rec in records:
            venue_id = rec.text("公共场所ID")
            if not venue_id:
                problems.add(rec.sheet, rec.row, "公共场所ID", "不能为空")
                continue
            if venue_id in seen:
                problems.add(rec.sheet, rec.row, "公共场所ID", f"“{venue_id}”与第 {seen[venue_id]} 行重复")
            seen[venue_id] = rec.row
            unit = rec.text("监管单位")
            unit_code = None
            if unit:
                if unit in codes:
                    unit_code = unit
                elif len(by_name.get(unit, [])) == 1:
                    unit_code = by_name[unit][0]
                elif unit in by_name:
                    problems.add(rec.sheet, rec.row, "监管单位",
                                 f"“{unit}”对应多个单位（机构编码 {'、'.join(by_name[unit])}），请改填机构编码")
                else:
                    problems.add(rec.sheet, rec.row, "监管单位", f"找不到名称或机构编码为“{unit}”的监管单位")
            flow_min = _threshold(rec, FLOW_LABELS[0], problems)
            flow_max = _threshold(rec, FLOW_LABELS[1], problems)
            if flow_min is not None and flow_max is not None and flow_min > flow_max:
                problems.add(rec.sheet, rec.row, FLOW_LABELS[0], f"最小值 {flow_min} 不能大于最大值 {flow_max}")
            row = {col: rec.text(label) for label, col in VENUE_LABELS.items() if col not in ("unit", "flow_min", "flow_max")}
            row.update(unit_code=unit_code, flow_min=flow_min, flow_max=flow_max)
            rows.append(row)
        if not rows and not problems:
            problems.add(None, None, None, "文件中没有场所数据")
        problems.raise_for(name)
        summary = LoadSummary(len(rows), 0, 0, 0, ignored_columns=ignored)
        try:
            for row in rows:
                _count(summary, conn.execute(SQL["upsert_venue"], row).fetchone())
        except psycopg.errors.CheckViolation as exc:  # the database's own rule, if ours missed it
            raise LoadError(name, exc.diag.message_primary or "数据不符合规则") from None
        conn.execute(SQL["audit"], {"action": "venue.load", "detail": json.dumps({
            "file_name": name, "rows": summary.rows, "inserted": summary.inserted, "updated": summary.updated},
            ensure_ascii=False)})
    return summary
