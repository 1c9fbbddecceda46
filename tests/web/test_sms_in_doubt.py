"""Texts in doubt on the ops home page (issue 19, point 2): ops confirm one delivered or re-send it
once, each after a confirmation page, audited by the database; nobody else may."""
from __future__ import annotations

import psycopg
import pytest

from tests.conftest import as_unit, attempt
from tests.web.conftest import OPS_MENUS, enter


@pytest.fixture
def in_doubt(seeded_db):
    """T-A's text failed in doubt (the request left without an answer); T-B's plainly failed."""
    with psycopg.connect(seeded_db) as c:
        c.execute("update epi.sms_outbox set status = 'failed', attempts = 1, in_doubt = unit_code = 'T-A', "
                  "response = case unit_code when 'T-A' then 'mas: 结果未知，未重发：请求已发出，未收到网关应答（超时）' "
                  "else 'MAS: IllegalMac MAC 校验失败' end")
        ids = dict(c.execute("select unit_code, sms_id from epi.sms_outbox").fetchall())
        c.commit()
    return ids


def outbox(seeded_db, sms_id):
    with psycopg.connect(seeded_db) as c:
        return c.execute("select status, in_doubt, resent_at is not null, resolved_by from epi.sms_outbox "
                         "where sms_id = %s", (sms_id,)).fetchone()


def audit(seeded_db, action):
    with psycopg.connect(seeded_db) as c:
        return c.execute("select account, detail from epi.audit_log where action = %s", (action,)).fetchall()


def test_the_home_page_lists_texts_in_doubt_with_both_choices(client, in_doubt):
    enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    page = client.get("/").get_data(as_text=True)
    assert "结果未知的短信（未自动重发）" in page and "144****0001" in page and "14400000001" not in page
    assert f'/sms/{in_doubt["T-A"]}/confirm' in page and f'/sms/{in_doubt["T-A"]}/resend' in page
    assert f'/sms/{in_doubt["T-B"]}/' not in page          # a plain failure is not in doubt


def test_confirming_delivery_asks_first_and_is_audited(client, in_doubt, seeded_db):
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    sms_id = in_doubt["T-A"]
    ask = client.get(f"/sms/{sms_id}/confirm").get_data(as_text=True)
    assert "请先与该单位核实" in ask and outbox(seeded_db, sms_id)[:2] == ("failed", True)
    res = client.post(f"/sms/{sms_id}/confirm", data={"csrf_token": token})
    assert res.status_code == 302 and "done=confirm" in res.headers["Location"]
    assert outbox(seeded_db, sms_id) == ("sent", False, False, "ops.li")
    [(account, detail)] = audit(seeded_db, "sms.confirm")
    assert account == "ops.li" and detail["sms_id"] == sms_id and detail["phone"] == "144****0001"
    assert client.post(f"/sms/{sms_id}/confirm", data={"csrf_token": token}).status_code == 409   # no longer in doubt


def test_a_text_in_doubt_is_resent_once_only(client, in_doubt, seeded_db):
    token = enter(client, sub="ops.li", unit="OPS", menus=OPS_MENUS)
    sms_id = in_doubt["T-A"]
    assert "每条短信只能重发一次" in client.get(f"/sms/{sms_id}/resend").get_data(as_text=True)
    assert client.post(f"/sms/{sms_id}/resend", data={"csrf_token": token}).status_code == 302
    assert outbox(seeded_db, sms_id) == ("pending", False, True, "ops.li")
    assert len(audit(seeded_db, "sms.resend")) == 1
    with psycopg.connect(seeded_db) as c:   # the re-sent text was in doubt again
        c.execute("update epi.sms_outbox set status = 'failed', in_doubt = true where sms_id = %s", (sms_id,))
        c.commit()
    res = client.post(f"/sms/{sms_id}/resend", data={"csrf_token": token})
    assert res.status_code == 409 and "不能再次重发" in res.get_data(as_text=True)
    assert client.post(f"/sms/{in_doubt['T-B']}/resend", data={"csrf_token": token}).status_code == 409


def test_only_ops_resolve_texts(client, in_doubt, seeded_db):
    token = enter(client, sub="a.zhang", unit="T-A")
    assert client.post(f"/sms/{in_doubt['T-A']}/confirm", data={"csrf_token": token}).status_code == 403
    with psycopg.connect(seeded_db) as c:
        as_unit(c, "T-A")
        err = attempt(c, "select epi.sms_resolve(%s, 'confirm')", (in_doubt["T-A"],))
        assert isinstance(err, psycopg.errors.InsufficientPrivilege)
    assert outbox(seeded_db, in_doubt["T-A"])[:2] == ("failed", True)
