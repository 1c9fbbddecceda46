"""The venue form checks its input (issue 47, point 1), by the database's rules
(epi.venue_form_problems, applied to the form's writes by epi.venue_form_save): 公共场所ID 1–64
letters, digits, - or _ for a new venue, 公共场所 required, every text at most 200 characters; each
message beside its field, nothing written. Discovery, the bulk load and the sync keep IDs as the
province gives them; a venue's ID is never edited."""
from __future__ import annotations

import re

import psycopg
import pytest

from tests.conftest import as_ops, as_unit


def field_errors(res) -> dict:
    """The messages beside the fields: {field id: message}."""
    page = res.get_data(as_text=True)
    return dict(re.findall(r'<input id="([a-z_]+)"[^>]*>\s*<span class="field-error">([^<]+)</span>', page))


def count(seeded_db, venue_id) -> int:
    with psycopg.connect(seeded_db) as c:
        return c.execute("select count(*) from epi.venue where venue_id = %s", (venue_id,)).fetchone()[0]


@pytest.mark.parametrize("form, expected", [
    ({"venue_id": "X" * 300, "venue_name": "长" * 600},
     {"venue_id": "公共场所ID应为 1 至 64 个字母、数字、“-”或“_”（不含空格）",
      "venue_name": "公共场所不能超过 200 个字符（现有 600 个）"}),
    ({"venue_id": "V NEW", "venue_name": "测试场所"}, {"venue_id": "公共场所ID应为 1 至 64 个字母、数字、“-”或“_”（不含空格）"}),
    ({"venue_id": "VNEW2", "venue_name": ""}, {"venue_name": "公共场所不能为空"}),
    ({"venue_id": "", "venue_name": "测试场所"}, {"venue_id": "公共场所ID不能为空"}),
    ({"venue_id": "VNEW3", "venue_name": "测试场所", "location": "路" * 201},
     {"location": "所在位置不能超过 200 个字符（现有 201 个）"}),
    ({"venue_id": "VA1", "venue_name": ""}, {"venue_id": "该公共场所ID已存在", "venue_name": "公共场所不能为空"}),
])
def test_a_new_venue_that_breaks_a_rule_is_refused_beside_its_fields(ops, seeded_db, form, expected):
    client, token = ops
    res = client.post("/venues/new", data={"csrf_token": token} | form)
    assert res.status_code == 200 and field_errors(res) == expected
    if form["venue_id"] and form["venue_id"] != "VA1":
        assert count(seeded_db, form["venue_id"]) == 0


def test_a_good_venue_is_saved_and_an_edit_is_checked_too(ops, seeded_db):
    client, token = ops
    res = client.post("/venues/new", data={"csrf_token": token, "venue_id": " V-NEW_1 ", "venue_name": " 测试场所 "})
    assert res.status_code == 302 and count(seeded_db, "V-NEW_1") == 1
    res = client.post("/venues/V-NEW_1/edit", data={"csrf_token": token, "venue_name": "长" * 201, "street": "街" * 300})
    assert field_errors(res) == {"venue_name": "公共场所不能超过 200 个字符（现有 201 个）",
                                 "street": "所在街道不能超过 200 个字符（现有 300 个）"}
    with psycopg.connect(seeded_db) as c:
        assert c.execute("select venue_name from epi.venue where venue_id = 'V-NEW_1'").fetchone()[0] == "测试场所"


def test_the_database_refuses_the_forms_write_on_its_field_and_other_paths_keep_the_provinces_ids(conn, world):
    as_ops(conn)
    with pytest.raises(psycopg.Error) as info:
        conn.execute("select epi.venue_form_save(true, 'X Y', '名', null, null, null, null, null, null)")
    assert (info.value.sqlstate, info.value.diag.column_name, info.value.diag.message_primary) == \
        ("EP400", "venue_id", "公共场所ID应为 1 至 64 个字母、数字、“-”或“_”（不含空格）")
    conn.rollback()
    as_ops(conn)   # a province's ID as the bulk load or discovery stores it: not the form's rule
    conn.execute("insert into epi.venue (venue_id, venue_name, source) values ('省平台 ID/001', '测试', 'bulk')")
    assert conn.execute("select epi.venue_form_save(false, '省平台 ID/001', '改名', null, null, null, null, null, null)"
                        ).fetchone()[0] is True
    conn.rollback()
    as_unit(conn, "T-A")   # a unit may not use the form's write
    with pytest.raises(psycopg.Error) as info:
        conn.execute("select epi.venue_form_save(true, 'VZ', '名', null, null, null, null, null, null)")
    assert info.value.sqlstate == "42501"
