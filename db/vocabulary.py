"""The zone's vocabulary: which Chinese label names which column, and the fixed texts that Python
needs. Every map goes one way, column → label, in the order of the requirements' tables; read the
labels with ``list(MAP.values())`` and a label's column with :func:`columns_by_label`.

The loaders, the front-database sync, the templates, the exports and the pages all take their
labels from here, so a label is spelled once. Values the database stores (statuses, reasons) are
checked against the database's own constraints by tests/db/test_vocabulary.py.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

# All dates are calendar days in Asia/Shanghai (SPEC section 1).
SHANGHAI = ZoneInfo("Asia/Shanghai")

# 监管单位: the OA export's headers (SPEC section 2)
UNIT = {"unit_code": "机构编码", "unit_name": "监管单位", "head_name": "监管单位负责人",
        "head_phone": "监管单位负责人手机号"}

# OA's role export (菜单授权管理, issue 45): which account or role has which of the zone's menus;
# 授权对象类型 is 账号 or 角色, 菜单 one or more menu codes or names (separated by 、 , ; or spaces)
MENU_GRANT = {"grantee_kind": "授权对象类型", "grantee": "授权对象", "menus": "菜单"}
GRANTEE_KINDS = {"账号": "account", "角色": "role"}

# 场所信息: a venue's own descriptive columns (the form, the front database's venue table)
VENUE = {"venue_id": "公共场所ID", "venue_name": "公共场所", "category": "类别", "city": "所在市区",
         "street": "所在街道", "venue_admin": "公共场所管理员", "location": "所在位置"}
FLOW = {"flow_min": "场所日人流量阈值（最小值）", "flow_max": "场所日人流量阈值（最大值）"}
# the venue template's headers: 监管单位 holds the unit's name or its 机构编码
VENUE_TEMPLATE = VENUE | {"unit": "监管单位"} | FLOW

# 扫码进场信息: the import file's 15 headers, in order (采集时间 is the one parsed value)
SCAN = {"venue_id": "公共场所ID", "venue_name": "公共场所", "category": "类别", "city": "所在市区",
        "street": "所在街道", "venue_admin": "公共场所管理员", "id_card": "被采集人身份证",
        "person_name": "被采集人", "phone": "联系电话", "collect_result": "采集结果", "nat_result": "核酸结果",
        "nat_result_time": "核酸结果时间", "health_code": "健康码状态", "collector_location": "采集人所在位置",
        "collected_at": "采集时间"}
SCAN_TIME = "collected_at"
# what the system fills in, and what a scan shows from the venue registry
SCAN_IMPORT = {"imported_by": "数据导入人", "imported_at": "数据导入时间"}
# 扫码进场信息查询's 18 columns in the requirements' order: 监管单位 after 采集时间, before 数据导入人
SCAN_LIST = SCAN | {"unit_name": "监管单位"} | SCAN_IMPORT

# the pages' lists and details (the venue registry's columns shown with a venue, from its unit)
VENUE_UNIT = {"unit_name": "监管单位", "head_name": "监管单位负责人", "head_phone": "监管单位负责人手机号"}
# 场所信息管理 and 场所人流量阈值管理 list the same 8 columns
VENUE_LIST = {c: VENUE[c] for c in ("venue_id", "venue_name", "category", "street", "location")} \
    | {"unit_name": VENUE_UNIT["unit_name"]} | FLOW
THRESHOLD_LIST = VENUE_LIST
# their detail pages: a venue's 12 fields (the unit's head and phone, and the thresholds, read-only),
# and the threshold page's 9 read-only venue fields with the two thresholds
VENUE_DETAIL = VENUE | VENUE_UNIT | FLOW
THRESHOLD_DETAIL = VENUE | {c: VENUE_UNIT[c] for c in ("unit_name", "head_name")} | FLOW

# 扫码统计查询: one row per venue
STATS = {"venue_id": "公共场所ID", "venue_name": "公共场所", "category": "类别", "unit_name": "监管单位",
         "city": "所在市区", "street": "所在街道", "n": "扫码量"}

# “扫码”预警: statuses and reasons as the database stores them (epi.alert's check constraints)
UNACCEPTED, ACCEPTED = "未接收", "已接收"
ALERT_STATUSES = (UNACCEPTED, ACCEPTED)
BELOW, ABOVE = "小于阈值", "大于阈值"
ALERT_REASONS = (BELOW, ABOVE)

ALERT_LIST = {c: VENUE[c] for c in ("venue_id", "venue_name", "category", "city", "street")} \
    | {"period": "预警时间段", "reason": "预警原因"}
ALERT_DAY = {"day": "日期", "n": "当日扫码量"}   # the 7 days of an alert; also a venue's days in 扫码统计查询

# the 扫码进场信息 sheet's title in templates and exports; the other files' titles
SHEET_TITLES = {"scans": "扫码进场信息", "venues": "场所信息", "units": "监管单位", "stats": "扫码统计"}


def columns_by_label(fields: dict[str, str]) -> dict[str, str]:
    """label → column of one of the maps above (for reading a file by its headers)."""
    return {label: column for column, label in fields.items()}
