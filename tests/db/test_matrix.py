"""The access matrix: for ops, unit A, unit B, an OA login bound to A, the web login with no role
and a unit role with no unit — what each can select, insert, update and delete on every table and
view. Every refusal is its exact SQLSTATE (DENIED is 42501, insufficient_privilege, whether a grant,
a policy or a guard refused), never "any error": a statement broken by a typo (an unknown function
or column: 42883, 42703) fails its cells. And every statement succeeds for someone — an identity
of the matrix, or the jobs, the owner or the admin (SUCCEEDS_AS) — or is refused by a rule with its
own message (REFUSED_BY_RULE), so that no statement is denied to all only because it is broken."""
from __future__ import annotations

import psycopg
import pytest

from db import database
from tests.conftest import as_jobs, as_nobody, as_oa, as_ops, as_unit, attempt, become

DENIED = "42501"  # insufficient_privilege: no grant, a row-level security policy, or a guard function

IDENTITIES = ("ops", "unit_a", "unit_b", "oa_a", "nobody", "no_unit")


def act(c, who, oa_login):
    if who == "ops":
        as_ops(c)
    elif who == "unit_a":
        as_unit(c, "T-A")
    elif who == "unit_b":
        as_unit(c, "T-B")
    elif who == "oa_a":
        as_oa(c, oa_login)
    elif who == "nobody":
        as_nobody(c)
    elif who == "no_unit":
        become(c, session=database.WEB_LOGIN, role=database.UNIT_ROLE, unit="")
    else:
        raise AssertionError(who)


ALL_VENUES = ["V404", "VA1", "VA1", "VA2", "VB1", "VB1", "VX"]
A_SCANS = ["VA1", "VA1", "VA2"]
B_SCANS = ["VB1", "VB1"]

# An OA login reads only the oa views (no usage on schema epi): its direct reads of epi.* fail.
# relation -> (query returning one sorted list of keys, {identity: expected keys or DENIED})
SELECTS = {
    "epi.unit": ("select unit_code from epi.unit order by 1",
                 {"ops": ["T-A", "T-B"], "unit_a": ["T-A"], "unit_b": ["T-B"], "oa_a": DENIED,
                  "nobody": DENIED, "no_unit": []}),
    "epi.venue": ("select venue_id from epi.venue order by 1",
                  {"ops": ["VA1", "VA2", "VB1", "VX"], "unit_a": ["VA1", "VA2"], "unit_b": ["VB1"],
                   "oa_a": DENIED, "nobody": DENIED, "no_unit": []}),
    "epi.scan": ("select venue_id from epi.scan order by 1",
                 {"ops": ALL_VENUES, "unit_a": A_SCANS, "unit_b": B_SCANS, "oa_a": DENIED,
                  "nobody": DENIED, "no_unit": []}),
    "epi.scan_y2022m03": ("select venue_id from epi.scan_y2022m03 order by 1",
                          {k: DENIED for k in IDENTITIES}),
    "epi.import_batch": ("select file_name from epi.import_batch order by 1",
                         {"ops": ["测试.xlsx"], "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                          "nobody": DENIED, "no_unit": DENIED}),
    "epi.import_job": ("select file_name || ':' || state from epi.import_job order by 1",
                       {"ops": ["测试上传.xlsx:done"], "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                        "nobody": DENIED, "no_unit": DENIED}),
    "epi_private.daily_count": ("select venue_id from epi_private.daily_count order by 1",
                                {k: DENIED for k in IDENTITIES}),
    "epi_private.oa_login": ("select login from epi_private.oa_login order by 1",
                             {k: DENIED for k in IDENTITIES}),
    "epi_private.alembic_version": ("select version_num from epi_private.alembic_version",
                                    {k: DENIED for k in IDENTITIES}),
    "epi.alert": ("select venue_id from epi.alert order by 1",
                  {"ops": ["VA1", "VB1"], "unit_a": ["VA1"], "unit_b": ["VB1"], "oa_a": DENIED,
                   "nobody": DENIED, "no_unit": []}),
    "epi.alert_day": ("select a.venue_id from epi.alert_day d join epi.alert a using (alert_id) order by 1",
                      {"ops": ["VA1"] * 7 + ["VB1"] * 7, "unit_a": ["VA1"] * 7, "unit_b": ["VB1"] * 7,
                       "oa_a": DENIED, "nobody": DENIED, "no_unit": []}),
    "epi.sms_outbox": ("select unit_code from epi.sms_outbox order by 1",
                       {"ops": ["T-A", "T-B"], "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                        "nobody": DENIED, "no_unit": DENIED}),
    "epi.job_run": ("select job from epi.job_run order by 1",
                    {"ops": ["nightly"], "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                     "nobody": DENIED, "no_unit": DENIED}),
    "epi.job_schedule": ("select job from epi.job_schedule order by 1",
                         {"ops": ["counts_full", "nightly", "units"], "unit_a": DENIED, "unit_b": DENIED,
                          "oa_a": DENIED, "nobody": DENIED, "no_unit": DENIED}),
    "epi.audit_log": ("select distinct action from epi.audit_log where action = 'venue.insert'",
                      {"ops": DENIED, "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                       "nobody": DENIED, "no_unit": DENIED}),
    "epi.setting": ("select key from epi.setting where key = 'frontdb_sync_enabled'",
                    {"ops": ["frontdb_sync_enabled"], "unit_a": ["frontdb_sync_enabled"],
                     "unit_b": ["frontdb_sync_enabled"], "oa_a": DENIED, "nobody": DENIED, "no_unit": []}),
    "epi_private.job_state": ("select name from epi_private.job_state", {k: DENIED for k in IDENTITIES}),
    "epi_private.count_dirty_day": ("select day from epi_private.count_dirty_day", {k: DENIED for k in IDENTITIES}),
    "epi_private.data_day": ("select day from epi_private.data_day", {k: DENIED for k in IDENTITIES}),
    "epi_private.batch_month": ("select batch_id from epi_private.batch_month", {k: DENIED for k in IDENTITIES}),
    "epi_private.month_count": ("select venue_id from epi_private.month_count", {k: DENIED for k in IDENTITIES}),
    "epi_private.used_ticket": ("select key from epi_private.used_ticket", {k: DENIED for k in IDENTITIES}),
    "epi_private.sso_state": ("select method from epi_private.sso_state", {k: DENIED for k in IDENTITIES}),
    "epi_private.web_session": ("select account from epi_private.web_session", {k: DENIED for k in IDENTITIES}),
    "epi_private.menu_grant": ("select grantee from epi_private.menu_grant", {k: DENIED for k in IDENTITIES}),
    "epi_private.sso_handoff": ("select method from epi_private.sso_handoff", {k: DENIED for k in IDENTITIES}),
    "epi_private.crypto_key": ("select version from epi_private.crypto_key", {k: DENIED for k in IDENTITIES}),
    "epi_private.scan_plaintext": ("select scan_id from epi_private.scan_plaintext", {k: DENIED for k in IDENTITIES}),
    "epi_private.reveal_use": ("select account from epi_private.reveal_use", {k: DENIED for k in IDENTITIES}),
    "epi_private.reveal_raise": ("select account from epi_private.reveal_raise", {k: DENIED for k in IDENTITIES}),
    "epi_private.frontdb_watermark": ("select last_key from epi_private.frontdb_watermark",
                                      {k: DENIED for k in IDENTITIES}),
    "epi_private.audit_chain": ("select head_hash from epi_private.audit_chain", {k: DENIED for k in IDENTITIES}),
    "oa.venue": ("select venue_id || ':' || coalesce(head_phone, '-') from oa.venue order by 1",
                 {"ops": ["VA1:14400000001", "VA2:14400000001", "VB1:14400000002", "VX:-"],
                  "unit_a": ["VA1:14400000001", "VA2:14400000001"], "unit_b": ["VB1:14400000002"],
                  "oa_a": ["VA1:14400000001", "VA2:14400000001"], "nobody": DENIED, "no_unit": []}),
    "oa.scan": ("select venue_id || ':' || coalesce(unit_code, '空') from oa.scan order by 1",
                {"ops": ["V404:空", "VA1:T-A", "VA1:T-A", "VA2:T-A", "VB1:T-B", "VB1:T-B", "VX:空"],
                 "unit_a": ["VA1:T-A", "VA1:T-A", "VA2:T-A"], "unit_b": ["VB1:T-B", "VB1:T-B"],
                 "oa_a": ["VA1:T-A", "VA1:T-A", "VA2:T-A"], "nobody": DENIED, "no_unit": []}),
    "oa.daily_count": ("select venue_id || ':' || day || ':' || n from oa.daily_count order by 1",
                       {"ops": ["V404:2022-03-04:1", "VA1:2022-03-01:1", "VA1:2022-03-02:1", "VA2:2022-03-01:1",
                                "VB1:2022-03-01:1", "VB1:2022-03-03:1", "VX:2022-03-01:1"],
                        "unit_a": ["VA1:2022-03-01:1", "VA1:2022-03-02:1", "VA2:2022-03-01:1"],
                        "unit_b": ["VB1:2022-03-01:1", "VB1:2022-03-03:1"],
                        "oa_a": ["VA1:2022-03-01:1", "VA1:2022-03-02:1", "VA2:2022-03-01:1"],
                        "nobody": DENIED, "no_unit": []}),
    "oa.alert": ("select venue_id || ':' || unit_code from oa.alert order by 1",
                 {"ops": ["VA1:T-A", "VB1:T-B"], "unit_a": ["VA1:T-A"], "unit_b": ["VB1:T-B"],
                  "oa_a": ["VA1:T-A"], "nobody": DENIED, "no_unit": []}),
    "oa.alert_day": ("select count(*)::text from oa.alert_day",
                     {"ops": ["14"], "unit_a": ["7"], "unit_b": ["7"], "oa_a": ["7"],
                      "nobody": DENIED, "no_unit": ["0"]}),
    "oa.sms_log": ("select unit_code from oa.sms_log order by 1",
                   {"ops": ["T-A", "T-B"], "unit_a": DENIED, "unit_b": DENIED, "oa_a": DENIED,
                    "nobody": DENIED, "no_unit": DENIED}),
}


def keys(c, query):
    """The sorted keys a query answers, or the SQLSTATE of its refusal."""
    try:
        with c.transaction():
            return [r[0] for r in c.execute(query)]
    except psycopg.Error as exc:
        return exc.sqlstate


@pytest.mark.parametrize("relation", sorted(SELECTS))
@pytest.mark.parametrize("who", IDENTITIES)
def test_select(conn, world, oa_login_a, relation, who):
    query, expected = SELECTS[relation]
    act(conn, who, oa_login_a)
    assert keys(conn, query) == expected[who]


def test_matrix_covers_every_table_and_view(conn):
    """A new table or view must be added to the matrix."""
    rows = conn.execute("""
        select n.nspname || '.' || c.relname
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('epi', 'epi_private', 'oa') and c.relkind in ('r', 'p', 'v', 'm')
           and not c.relispartition""").fetchall()
    assert {r[0] for r in rows} <= set(SELECTS), "tables or views missing from the matrix"


OK, NONE = "ok", "none"  # statement changed rows / changed nothing

# (statement, params, {identity: expectation}); unlisted identities are DENIED
WRITES = {
    "start an import job": ("insert into epi.import_job (job_id, file_name, imported_by) values "
                            "('00000000000000aa', 'x.xlsx', 'ops.x')", None, {"ops": OK}),
    "end another's import job": ("update epi.import_job set state = 'failed', ended_at = now() "
                                 "where job_id = '0123456789abcdef'", None, {"ops": OK}),
    "remove an import job": ("delete from epi.import_job", None, {}),
    "insert unit": ("insert into epi.unit (unit_code, unit_name) values ('T-Z', '测试单位')", None,
                    {"ops": OK}),
    "update other unit": ("update epi.unit set head_phone = '14400000009' where unit_code = 'T-B'", None,
                          {"ops": OK}),
    "insert venue": ("insert into epi.venue (venue_id, unit_code) values ('VNEW', 'T-A')", None,
                     {"ops": OK}),
    "update own threshold": ("update epi.venue set flow_min = 1, flow_max = 2 where venue_id = 'VA1'", None,
                             {"ops": OK, "unit_a": OK, "unit_b": NONE, "no_unit": NONE}),
    "update other unit's threshold": ("update epi.venue set flow_min = 1 where venue_id = 'VB1'", None,
                                      {"ops": OK, "unit_a": NONE, "unit_b": OK, "no_unit": NONE}),
    "move own venue to another unit": ("update epi.venue set unit_code = 'T-B' where venue_id = 'VA1'", None,
                                       {"ops": OK}),
    "rename venue": ("update epi.venue set venue_name = '改名' where venue_id = 'VA1'", None,
                     {"ops": OK}),
    "delete venue": ("delete from epi.venue where venue_id = 'VX'", None, {"ops": OK}),
    "insert scan": (("insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                    "values ('VA1', '2022-03-05 10:00+08', (select min(batch_id) from epi.import_batch), 'x')"), None,
                    {"ops": OK}),
    "insert scan with literal batch": (("insert into epi.scan (venue_id, collected_at, batch_id, imported_by) "
                                       "values ('VA1', '2022-03-05 10:00+08', %(batch)s, 'x')"), "batch",
                                       {"ops": OK}),
    "update scan": ("update epi.scan set phone_masked = '0' where venue_id = 'VA1'", None, {}),
    "delete own scans": ("delete from epi.scan where venue_id = 'VA1'", None, {"ops": OK}),
    "insert batch": ("insert into epi.import_batch (file_name, imported_by) values ('f', 'x')", None,
                     {"ops": OK}),
    "write daily count": ("insert into epi_private.daily_count values ('VA1', '2022-03-09', 5)", None, {}),
    "raise alert": (("insert into epi.alert (venue_id, period_start, period_end, reason) "
                    "values ('VA2', '2022-03-01', '2022-03-07', '小于阈值')"), None, {}),
    "accept own alert": ("update epi.alert set status = '已接收' where venue_id = 'VA1'", None,
                         {"unit_a": OK, "unit_b": NONE, "no_unit": NONE}),
    "accept other unit's alert": ("update epi.alert set status = '已接收' where venue_id = 'VB1'", None,
                                  {"unit_a": NONE, "unit_b": OK, "no_unit": NONE}),
    "rewrite alert period": ("update epi.alert set period_start = '2022-02-01' where venue_id = 'VA1'", None, {}),
    "delete alert": ("delete from epi.alert where venue_id = 'VA1'", None, {}),
    "insert alert day": ("insert into epi.alert_day values (%(alert_a)s, '2022-03-08', 1)", "alert_a", {}),
    "queue text": (("insert into epi.sms_outbox (unit_code, phone, day, content) "
                   "values ('T-A', '14400000001', '2022-03-09', 'x')"), None, {}),
    "mark text sent": ("update epi.sms_outbox set status = 'sent'", None, {}),
    "move the nightly": ("update epi.job_schedule set at = '03:00' where job = 'nightly'", None, {}),
    "move the nightly by its function": ("select epi.set_job_schedule('nightly', '03:00')", None, {}),
    "record job run": ("insert into epi.job_run (job, as_of) values ('sms', '2022-03-09')", None, {}),
    "write audit directly": ("insert into epi.audit_log (account, action) values ('x', 'forged')", None, {}),
    "erase audit": ("delete from epi.audit_log", None, {}),
    "write any audit entry": ("select epi_private.write_audit('forged', '{}')", None, {}),
    "record a scan query": ("select epi.audit_scan_access('scan.query', '{}', 0)", None,
                            {"ops": OK, "unit_a": OK, "unit_b": OK}),
    "record a stats export": ("select epi.audit_stats_export('2022-03-01', '2022-03-07', 3)", None,
                              {"ops": OK, "unit_a": OK, "unit_b": OK}),
    "record any other action as an access": ("select epi.audit_scan_access('venue.delete', '{}', 0)", None,
                                             {"ops": "22023", "unit_a": "22023", "unit_b": "22023"}),
    "switch on the sync": ("update epi.setting set value = 'true' where key = 'frontdb_sync_enabled'", None, {}),
    "move a job watermark": ("insert into epi_private.job_state values ('discover_last_batch', 0)", None, {}),
    "clear dirty days": ("delete from epi_private.count_dirty_day", None, {}),
    "forget a day with data": ("delete from epi_private.data_day", None, {}),
    "shrink an import's month": ("update epi_private.batch_month set n = 1", None, {}),
    "forget an import's month": ("delete from epi_private.batch_month", None, {}),
    "inflate a venue's month": ("update epi_private.month_count set cum[31] = cum[31] + 100", None, {}),
    "add a venue's month": ("insert into epi_private.month_count values ('VA1', '2022-05-01', array_fill(1, array[31]))", None, {}),
    "forget a used ticket": ("delete from epi_private.used_ticket", None, {}),
    # issue 44: nobody of the zone creates large objects (an OA login wrote 1 MB, no size limit)
    "create a large object": ("select lo_from_bytea(0, '\\x00')", None, {}),
    "keep a sign-on of one's choosing": ("insert into epi_private.sso_state (key, method, nonce, verifier) "
                                         "values (sha256('x'), 'oidc', 'n', 'v')", None, {}),
    # the web login itself (before anybody is signed on) records a refused sign-on, and only that
    "record a refused sign-on": ("select epi.sso_refused('oidc', '测试', 'x')", None, {"nobody": OK}),
    # ... and ends the session a CAS single logout names (only the web login: unit and ops roles have no grant)
    "end a session by its CAS ticket": ("select epi.session_end_sso(sha256('x'))", None, {"nobody": OK}),
    "revive an ended web session": ("update epi_private.web_session set ended_at = null", None, {}),
    # issue 45: OA's role export is loaded by ops (invoke load.menu-grants, the scheduler), audited
    "load OA's menu grants": ("""select * from epi.menu_grants_replace('[{"kind": "role", "grantee": "r", "menus": ["alert"]}]')""",
                              None, {"ops": OK}),
    "grant oneself a menu directly": ("insert into epi_private.menu_grant values ('account', 'x', '{audit}')", None, {}),
    "widen a role's menus directly": ("update epi_private.menu_grant set menus = '{audit}'", None, {}),
    # issue 45, point 4: a framed sign-on's hand-off is the web login's, by a secret and a code only
    "hand a user of one's choosing to a frame": (
        """insert into epi_private.sso_handoff (key, popup, method, code, signed_on) """
        """values (sha256('k'), sha256('p'), 'oidc', sha256('c'), '{"user": {"account": "x"}}')""", None, {}),
    "take a hand-off without its code": ("select * from epi.sso_handoff_take(sha256('k'), sha256('guess'))", None,
                                         {"nobody": NONE}),
    # issue 47: the venue form's write, under the form's rules (ops' 场所信息管理)
    "save a venue through the form": ("select epi.venue_form_save(true, 'VZ9', '测试', null, null, null, null, null, null)",
                                      None, {"ops": OK}),
    # ... and read by the web login as a user signs on without menus
    "ask which menus OA grants an account": ("select epi.menus_granted('x', '{r}')", None, {"nobody": OK}),
    # issue 49: a process compares its keys' check values at start (the web login, ops' import, the jobs)
    "check the personal-data keys": ("select epi.crypto_key_check(9, repeat('a', 64), repeat('b', 64))", None,
                                     {"ops": OK, "nobody": OK}),
    "replace a key version's check values directly": ("update epi_private.crypto_key set data_check = repeat('c', 64)",
                                                       None, {}),
    # issue 50: whether records stored before encryption wait (a search then passes the typed values)
    "ask whether records wait to be sealed": ("select epi.plaintext_pending()", None,
                                              {"ops": OK, "unit_a": OK, "unit_b": OK, "no_unit": OK}),
    "put a plaintext record aside directly": (
        "insert into epi_private.scan_plaintext values ('2022-03-05 10:00+08', 1, '00000000000000000X', null, null)",
        None, {}),
    # issue 51: an import asks which of its records are stored (ops import files; to a unit, an oracle)
    "ask which of a file's records are stored": (
        "select * from epi.import_duplicates(array['VA1'], array['2022-03-05 10:00+08'::timestamptz], array[1]::bigint[], "
        "1::smallint)", None, {"ops": OK}),
    "ask which of a file's venue-days hold scans": (
        "select * from epi.import_stored_days(array['VA1', 'VB1'], array['2022-03-01'::date, '2022-03-05'::date])",
        None, {"ops": OK}),
    # the web login itself (before it acts as anyone) keeps the sessions: 退出 is its call
    "end someone's web session": ("select epi.session_end(sha256('x'))", None, {"nobody": OK}),
    "set the reveal limits": ("select epi.set_reveal_limits('6000', '20')", None, {"ops": OK}),
    "set the reveal budget directly": ("update epi.setting set value = '1000000' where key = 'reveal_daily_budget'",
                                       None, {}),
    "raise an account's reveal budget": ("select epi.raise_reveal_budget('T-A.tester', '9000', '2', '疫情处置')", None,
                                         {"ops": OK}),
    "insert a raise directly": (("insert into epi_private.reveal_raise (account, budget, first_day, last_day, reason, "
                                "raised_by) values ('T-A.tester', 1000000, '2022-01-01', '2099-01-01', 'x', 'x')"),
                                None, {}),
    "read every account's reveal use": ("select * from epi.reveal_budgets()", None, {"ops": NONE}),
    "forget the reveals of the day": ("delete from epi_private.reveal_use", None, {}),
    "count a reveal of one's own": ("select epi_private.reveal_spend(1, true)", None, {}),
    "move a front-database watermark": (
        "insert into epi_private.frontdb_watermark (front_table, key_column, last_key) values ('scan', 'id', '9')",
        None, {}),
    "seal the audit log": ("select epi.audit_seal()", None, {}),
    "move the audit chain's head": ("update epi_private.audit_chain set head_seq = 0", None, {}),
    "rewrite an audit entry": ("update epi.audit_log set account = 'x'", None, {}),
    "remove audit entries": ("delete from epi.audit_log", None, {}),
    "advance the sync": ("select epi.frontdb_advance('scan', 'id', null, '9', 9)", None, {}),
    "rename a venue through the sync": ("""select * from epi.frontdb_merge_venues('[{"venue_id": "VB1", "venue_name": "x"}]')""",
                                        None, {}),
    "run a job": ("select epi.job_alerts('2022-03-09')", None, {}),
    "drop a month": ("select epi.drop_scan_month('2022-03-01')", None, {"ops": OK}),
    "bind oa login": ("insert into epi_private.oa_login (login, unit_code) values ('x', 'T-B')", None, {}),
    "make partition": ("select epi.ensure_scan_partitions(array['2030-01-01']::timestamptz[])", None, {"ops": OK}),
}


def outcome(result):
    """OK (rows changed), NONE (none changed) or the SQLSTATE of the refusal."""
    if isinstance(result, psycopg.Error):
        return result.sqlstate
    return OK if result > 0 else NONE


@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize("who", IDENTITIES)
def test_write(conn, world, oa_login_a, name, who):
    statement, param, expected = WRITES[name]
    params = None
    if param == "batch":
        params = {"batch": world["batch"]}
    elif param == "alert_a":
        params = {"alert_a": world["alerts"]["VA1"]}
    act(conn, who, oa_login_a)
    result = attempt(conn, statement, params)
    assert outcome(result) == expected.get(who, DENIED), result


# statements no identity of the matrix may run, and the admin neither: refused by a rule of the
# database (a trigger or a guard), with its own message (its start: an audit number may follow)
REFUSED_BY_RULE = {
    "record any other action as an access": ("42501", "无法确定操作人，拒绝记录"),
    "advance the sync": ("42501", "只有系统任务可以推进前置库同步位置"),
    "erase audit": ("42501", "审计日志只能追加，不能删除"),
    "remove audit entries": ("42501", "审计日志只能追加，不能删除"),
    "rewrite an audit entry": ("42501", "审计日志只能追加，不能修改"),
    "rewrite alert period": ("42501", "预警内容不能修改"),
    # reached only from epi.reveal_scans / epi.export_scans_full, for a caller who may reveal
    "count a reveal of one's own": ("42501", 'new row violates row-level security policy for table "reveal_use"'),
}


def _params(param, world):
    return {"batch": world["batch"]} if param == "batch" else \
        {"alert_a": world["alerts"]["VA1"]} if param == "alert_a" else None


def test_every_select_answers_someone(conn, world):
    """A query of the matrix that every identity is denied still answers the admin: it is not broken."""
    from tests.conftest import as_admin

    for relation, (query, _expected) in SELECTS.items():
        as_admin(conn)
        assert isinstance(keys(conn, query), list), relation


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_succeeds_for_someone_or_is_refused_by_its_rule(conn, world, name):
    """A statement that no identity of the matrix may run succeeds for the jobs or the admin (a
    superuser: grants and policies do not apply), or is refused by a rule with its own message —
    so a cell's 42501 is a refusal, not a broken statement."""
    from tests.conftest import as_admin

    statement, param, expected = WRITES[name]
    if any(v in (OK, NONE) for v in expected.values()):
        return   # it succeeds for an identity of the matrix (test_write)
    results = []
    for become_someone in (as_admin, as_jobs):
        become_someone(conn)
        results.append(attempt(conn, statement, _params(param, world)))
    if name in REFUSED_BY_RULE:
        code, message = REFUSED_BY_RULE[name]
        admin = results[0]
        assert isinstance(admin, psycopg.Error), admin
        assert (admin.sqlstate, admin.diag.message_primary[:len(message)]) == (code, message)
    else:
        assert any(not isinstance(r, psycopg.Error) for r in results), results


def test_jobs_identity_writes_what_the_jobs_need(conn, world):
    """The jobs role raises alerts, queues texts and records runs; it cannot accept alerts or
    change venues' thresholds (those are people's decisions)."""
    become(conn, role=database.JOBS_LOGIN)
    assert outcome(attempt(conn, WRITES["raise alert"][0])) == OK
    assert outcome(attempt(conn, WRITES["queue text"][0])) == OK
    assert outcome(attempt(conn, WRITES["record job run"][0])) == OK
    assert outcome(attempt(conn, "insert into epi.venue (venue_id, source) values ('VD', 'discovery')")) == OK
    assert outcome(attempt(conn, WRITES["accept own alert"][0])) == DENIED
    assert outcome(attempt(conn, WRITES["update own threshold"][0])) == DENIED
    assert outcome(attempt(conn, WRITES["delete own scans"][0])) == DENIED
