"""OA units and the venue template."""
from __future__ import annotations

import pytest

from db import database
from db.vocabulary import VENUE_TEMPLATE
from loaders import registry
from loaders.errors import LoadError
from tests.loaders import workbooks as wbk

UNIT_HEADER = ["机构编码", "监管单位", "监管单位负责人", "监管单位负责人手机号"]
VENUE_HEADER = list(VENUE_TEMPLATE.values())


def units_file(tmp_path, rows, name="oa.xlsx"):
    return wbk.xlsxwriter_book(tmp_path / name, {"组织机构": rows}, header=UNIT_HEADER)


def venues_file(tmp_path, rows, name="venues.xlsx"):
    return wbk.xlsxwriter_book(tmp_path / name, {"场所": rows}, header=VENUE_HEADER)


UNITS = [["U01", "测试市场监督管理局", "测试甲", "14400000001"],
         ["U02", "测试文化广电旅游体育局", "测试乙", 14400000002],
         ["U03", "测试长沙街道办事处", "测试丙", "14400000003"]]


def test_units_upsert_and_missing_units_become_inactive(tmp_path, web, admin):
    first = registry.load_units(units_file(tmp_path, UNITS), account="dba", url=web)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert admin.execute("select head_phone from epi.unit where unit_code = 'U02'").fetchone()[0] == "14400000002"
    changed = [UNITS[0], ["U02", "测试文旅局", "测试乙", "14400000002"]]
    second = registry.load_units(units_file(tmp_path, changed, "oa2.csv.xlsx"), account="dba", url=web)
    assert (second.inserted, second.updated, second.unchanged, second.deactivated) == (0, 1, 1, ["U03"])
    assert admin.execute("select unit_code, unit_name, active from epi.unit order by 1").fetchall() == \
        [("U01", "测试市场监督管理局", True), ("U02", "测试文旅局", True), ("U03", "测试长沙街道办事处", False)]
    third = registry.load_units(units_file(tmp_path, UNITS, "oa3.xlsx"), account="dba", url=web)
    assert (third.updated, third.unchanged) == (2, 1) and admin.execute("select bool_and(active) from epi.unit").fetchone()[0]
    # every change of a unit is audited by the database (the unit trigger), with the file it came from,
    # the database login and the OS user; the head's phone masked
    entries = admin.execute("select action, detail->>'unit_code', detail->'operation'->>'file_name', db_user, os_user, "
                            "detail->'new'->>'head_phone' from epi.audit_log where action like 'unit.%' "
                            "order by audit_id").fetchall()
    assert [(a, u, f) for a, u, f, *_ in entries] == [
        ("unit.insert", "U01", "oa.xlsx"), ("unit.insert", "U02", "oa.xlsx"), ("unit.insert", "U03", "oa.xlsx"),
        ("unit.update", "U02", "oa2.csv.xlsx"), ("unit.update", "U03", "oa2.csv.xlsx"),
        ("unit.update", "U02", "oa3.xlsx"), ("unit.update", "U03", "oa3.xlsx")]
    assert {(db_user, os_user) for _, _, _, db_user, os_user, _ in entries} == {("epi_web", database.os_user())}
    assert entries[1][5] == "144****0002"


def test_units_file_errors_name_rows(tmp_path, web, admin):
    rows = [["U01", "甲", "", ""], ["", "乙", "", ""], ["U01", "丙", "", ""]]
    with pytest.raises(LoadError) as info:
        registry.load_units(units_file(tmp_path, rows), account="dba", url=web)
    text = str(info.value)
    assert "第 3 行“机构编码”列：不能为空" in text and "第 4 行“机构编码”列：“U01”与第 2 行重复" in text
    assert admin.execute("select count(*) from epi.unit").fetchone()[0] == 0


def test_units_from_csv_gb18030(tmp_path, web, admin):
    path = wbk.csv_file(tmp_path / "oa.csv", [["U09", "测试单位", "测试丁", "14400000009"]],
                        encoding="gb18030", header=UNIT_HEADER)
    registry.load_units(path, account="dba", url=web)
    assert admin.execute("select unit_name from epi.unit").fetchone()[0] == "测试单位"


@pytest.fixture
def units(tmp_path, web):
    rows = [*UNITS, ["U04", "测试市场监督管理局", "测试戊", "14400000004"]]  # U01's name, twice in OA
    registry.load_units(units_file(tmp_path, rows, "units.xlsx"), account="dba", url=web)
    return web


def venue(vid, unit="", lo="", hi="", city=""):
    return [vid, f"测试场所{vid}", "商场", city, "长沙街道", "测试管理员", "开平市某路1号", unit, lo, hi]


def test_venues_unit_by_code_or_name_and_upsert(tmp_path, units, admin):
    rows = [venue("V1", "U01", 10, 100), venue("V2", "测试文化广电旅游体育局", "5", "50.0"), venue("0003")]
    summary = registry.load_venues(venues_file(tmp_path, rows), account="dba", url=units)
    assert summary.inserted == 3
    assert admin.execute("select venue_id, unit_code, flow_min, flow_max, city, source from epi.venue order by 1"
                         ).fetchall() == [("0003", None, None, None, "开平市", "bulk"),
                                          ("V1", "U01", 10, 100, "开平市", "bulk"),
                                          ("V2", "U02", 5, 50, "开平市", "bulk")]
    again = registry.load_venues(venues_file(tmp_path, [venue("V1", "U03", 10, 100), rows[1]], "v2.xlsx"),
                                 account="dba", url=units)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert admin.execute("select unit_code from epi.venue where venue_id = 'V1'").fetchone()[0] == "U03"


def test_venue_errors_name_each_row_and_nothing_is_written(tmp_path, units, admin):
    rows = [venue("V1", "测试市场监督管理局"),          # ambiguous name (U04 has it too)
            venue("V2", "不存在的单位"),                # unknown
            venue("V3", "U01", -1, 10),                # negative
            venue("V4", "U01", 20, 10),                # min > max
            venue("V5", "U01", "1.5", ""),             # not an integer
            venue("", "U01"),                          # no ID
            venue("V1", "U01")]                        # duplicate ID
    with pytest.raises(LoadError) as info:
        registry.load_venues(venues_file(tmp_path, rows), account="dba", url=units)
    text = str(info.value)
    for expected in ("第 2 行“监管单位”列：“测试市场监督管理局”对应多个单位（机构编码 U01、U04）",
                     "第 3 行“监管单位”列：找不到名称或机构编码为“不存在的单位”的监管单位",
                     "第 4 行“场所日人流量阈值（最小值）”列：必须是不小于0的整数",
                     "第 5 行“场所日人流量阈值（最小值）”列：最小值 20 不能大于最大值 10",
                     "第 6 行“场所日人流量阈值（最小值）”列：必须是不小于0的整数",
                     "第 7 行“公共场所ID”列：不能为空",
                     "第 8 行“公共场所ID”列：“V1”与第 2 行重复"):
        assert expected in text, expected
    assert admin.execute("select count(*) from epi.venue").fetchone()[0] == 0


def test_venue_load_and_changes_are_audited(tmp_path, units, admin):
    registry.load_venues(venues_file(tmp_path, [venue("V1", "U01", 1, 2)]), account="dba.li", url=units)
    assert admin.execute("select account, action from epi.audit_log where action like 'venue.%' order by audit_id"
                         ).fetchall() == [("dba.li", "venue.insert")]
    assert admin.execute("select detail->'operation' from epi.audit_log where action = 'venue.insert'").fetchone()[0] == \
        {"load": "venues", "file_name": "venues.xlsx"}
