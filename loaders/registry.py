"""OA units (`invoke load.units`), OA's menu grants (`invoke load.menu-grants`) and the venue template
(`invoke load.venues`). Each file is loaded in one transaction acting as ops: every row or none,
with every bad row named."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.types.json import Jsonb

from db import database, queries
from db.vocabulary import FLOW, GRANTEE_KINDS, MENU_GRANT, UNIT, VENUE, VENUE_TEMPLATE
from loaders.records import read_records

SQL = queries.load(Path(__file__).with_name("sql") / "registry.sql")


@dataclass
class LoadSummary:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    deactivated: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + len(self.deactivated)

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
    code_label, name_label = UNIT["unit_code"], UNIT["unit_name"]
    records, ignored, problems = read_records(path, list(UNIT.values()), [code_label, name_label], name)
    rows, seen = [], {}
    for rec in records:
        row = {column: rec.text(label) for column, label in UNIT.items()}
        code = row["unit_code"]
        if not code:
            problems.add(rec.sheet, rec.row, code_label, "不能为空")
            continue
        if not row["unit_name"]:
            problems.add(rec.sheet, rec.row, name_label, "不能为空")
        if code in seen:
            problems.add(rec.sheet, rec.row, code_label, f"“{code}”与第 {seen[code]} 行重复")
        seen[code] = rec.row
        rows.append(row)
    if not rows and not problems:
        problems.add(None, None, None, "文件中没有单位数据")
    problems.raise_for(name)
    summary = LoadSummary(len(rows), 0, 0, 0, ignored_columns=ignored)
    # each unit changed is audited by the unit trigger, with the file as the operation
    with database.connect_loader(url) as conn, \
            database.acting_as(conn, kind="ops", account=account, operation={"load": "units", "file_name": name}):
        for row in rows:
            _count(summary, conn.execute(SQL["upsert_unit"], row).fetchone())
        summary.deactivated = [r[0] for r in conn.execute(SQL["deactivate_missing_units"],
                                                          {"codes": [r["unit_code"] for r in rows]})]
    return summary


def _count(summary: LoadSummary, returned) -> None:
    if returned is None:
        summary.unchanged += 1
    elif returned[0]:
        summary.inserted += 1
    else:
        summary.updated += 1


def load_venues(path: str | Path, *, account: str, file_name: str | None = None, url: str | None = None) -> LoadSummary:
    """Bulk-load venues from the venue template: upsert by 公共场所ID; 监管单位 by 机构编码 or by name.
    The threshold rules are the database's (epi.threshold_problems), asked for every row at once."""
    path = Path(path)
    name = file_name or path.name
    id_label, unit_label = VENUE_TEMPLATE["venue_id"], VENUE_TEMPLATE["unit"]
    records, ignored, problems = read_records(path, list(VENUE_TEMPLATE.values()), [id_label], name)
    # each venue changed is audited by the venue trigger, with the file as the operation
    with database.connect_loader(url) as conn, \
            database.acting_as(conn, kind="ops", account=account, operation={"load": "venues", "file_name": name}):
        units = conn.execute(SQL["units_all"]).fetchall()
        codes = {code for code, _ in units}
        by_name: dict[str, list[str]] = {}
        for code, unit_name in units:
            by_name.setdefault(unit_name, []).append(code)
        # as text (a numeric cell 10.0 is '10'), for the database's rule
        thresholds = [{column: rec.text(label) for column, label in FLOW.items()} for rec in records]
        threshold_problems: dict[int, list[tuple[str, str]]] = {}
        for i, field, message in conn.execute(SQL["threshold_problems_of"], {
                "flow_min": [t["flow_min"] for t in thresholds], "flow_max": [t["flow_max"] for t in thresholds]}):
            threshold_problems.setdefault(i - 1, []).append((field, message))
        rows, seen = [], {}
        for i, rec in enumerate(records):
            venue_id = rec.text(id_label)
            if not venue_id:
                problems.add(rec.sheet, rec.row, id_label, "不能为空")
                continue
            if venue_id in seen:
                problems.add(rec.sheet, rec.row, id_label, f"“{venue_id}”与第 {seen[venue_id]} 行重复")
            seen[venue_id] = rec.row
            unit = rec.text(unit_label)
            unit_code = None
            if unit:
                if unit in codes:
                    unit_code = unit
                elif len(by_name.get(unit, [])) == 1:
                    unit_code = by_name[unit][0]
                elif unit in by_name:
                    problems.add(rec.sheet, rec.row, unit_label,
                                 f"“{unit}”对应多个单位（机构编码 {'、'.join(by_name[unit])}），请改填机构编码")
                else:
                    problems.add(rec.sheet, rec.row, unit_label, f"找不到名称或机构编码为“{unit}”的监管单位")
            for field, message in threshold_problems.get(i, ()):
                problems.add(rec.sheet, rec.row, FLOW[field], message)
            rows.append({column: rec.text(label) for column, label in VENUE.items()}
                        | {"unit_code": unit_code} | thresholds[i])
        if not rows and not problems:
            problems.add(None, None, None, "文件中没有场所数据")
        problems.raise_for(name)
        summary = LoadSummary(len(rows), 0, 0, 0, ignored_columns=ignored)
        for row in rows:
            _count(summary, conn.execute(SQL["upsert_venue"], row).fetchone())
    return summary


@dataclass
class GrantSummary:
    rows: int
    grantees: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted

    def describe(self, what: str) -> str:
        text = (f"{what}：共 {self.rows} 行、{self.grantees} 个授权对象，新增 {self.inserted}，更新 {self.updated}，"
                f"未变 {self.unchanged}，收回（OA 中已无授权）{self.deleted}")
        if self.ignored_columns:
            text += "；已忽略的列：" + "、".join(self.ignored_columns)
        return text


_SEPARATORS = re.compile(r"[、,，;；\s]+")


def load_menu_grants(path: str | Path, *, account: str, file_name: str | None = None,
                     url: str | None = None) -> GrantSummary:
    """OA's role export (issue 45, point 2): 授权对象类型 (账号 or 角色), 授权对象, 菜单 (menu codes or
    names). Rows of the same grantee add up (OA exports one row per role and menu). The grants become
    exactly the file's (epi.menu_grants_replace: grantees no longer in it lose their menus), every
    change audited, in one transaction acting as ops; a bad row is named and nothing is written."""
    from web.auth import MENUS, SEPARATE_AUDIT, mixes_audit

    path = Path(path)
    name = file_name or path.name
    kind_label, grantee_label, menus_label = (MENU_GRANT[k] for k in ("grantee_kind", "grantee", "menus"))
    records, ignored, problems = read_records(path, list(MENU_GRANT.values()), list(MENU_GRANT.values()), name)
    by_label = {menu.label: code for code, menu in MENUS.items()}
    grants: dict[tuple[str, str], set[str]] = {}
    for rec in records:
        kind_text, grantee, menus_text = (rec.text(label) or "" for label in (kind_label, grantee_label, menus_label))
        kind = GRANTEE_KINDS.get(str(kind_text))
        if kind is None:
            problems.add(rec.sheet, rec.row, kind_label, f"应为“账号”或“角色”，而不是“{str(kind_text)[:20]}”")
        grantee = str(grantee)
        if not grantee:
            problems.add(rec.sheet, rec.row, grantee_label, "不能为空")
        elif len(grantee) > 100:
            problems.add(rec.sheet, rec.row, grantee_label, "不能超过 100 个字符")
        codes = set()
        for item in filter(None, _SEPARATORS.split(str(menus_text))):
            code = item if item in MENUS else by_label.get(item)
            if code is None:
                problems.add(rec.sheet, rec.row, menus_label,
                             f"未知的菜单“{item[:40]}”（可填菜单编码或名称：" +
                             "、".join(f"{c}（{m.label}）" for c, m in MENUS.items()) + "）")
            else:
                codes.add(code)
        if not str(menus_text).strip():
            problems.add(rec.sheet, rec.row, menus_label, "不能为空")
        if kind and grantee and codes:
            held = grants.setdefault((kind, grantee), set())
            held |= codes
            if mixes_audit(held):
                problems.add(rec.sheet, rec.row, menus_label, f"{grantee}：{SEPARATE_AUDIT}")
    if not records and not problems:
        problems.add(None, None, None, "文件中没有菜单授权数据（导入空的授权会收回所有人的菜单）")
    problems.raise_for(name)
    payload = [{"kind": kind, "grantee": grantee, "menus": sorted(codes)}
               for (kind, grantee), codes in sorted(grants.items())]
    with database.connect_loader(url) as conn, \
            database.acting_as(conn, kind="ops", account=account,
                               operation={"load": "menu_grants", "file_name": name}):
        inserted, updated, unchanged, deleted = conn.execute(SQL["replace_menu_grants"],
                                                             {"grants": Jsonb(payload)}).fetchone()
    return GrantSummary(len(records), len(payload), inserted, updated, unchanged, deleted, ignored_columns=ignored)
