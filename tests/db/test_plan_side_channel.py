"""Issue 19, point 1: what EXPLAIN ANALYZE shows an OA login about another unit's rows.

For each oa.* view (and the tables an OA login may read), a query aimed at another unit's venue,
alert, alert day, daily count, unit, scan or import batch must give a plan that is the same, node
for node (rows, loops, rows removed by a filter or a recheck, heap fetches), as the same query
aimed at an object that does not exist: no plan node reads or removes that unit's rows. Checked
with the plans the tiny test tables get (sequential scans, which remove every row of a table
whichever the target) and with sequential scans disabled, which gives the index plans of a
production-sized database, where a policy that is not an index condition shows up as
"Rows Removed by Filter". The unit's own rows are the control: the same queries aimed at them
find them.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import SEALED_COLUMNS, as_admin, as_jobs, as_oa, as_ops, as_unit, attempt, sealed

REMOVED = ("Rows Removed by Filter", "Rows Removed by Index Recheck")


def nodes(plan: dict, *, initplans: bool = True) -> list[dict]:
    """The plan's nodes, depth first (InitPlans left out if asked)."""
    out = [plan]
    for child in plan.get("Plans", []):
        if initplans or child.get("Parent Relationship") != "InitPlan":
            out.extend(nodes(child, initplans=initplans))
    return out


def explain(c, query: str, value, *, seqscan: bool) -> list[dict]:
    """The plan's nodes with what they met. With sequential scans the policy is a filter after the
    query's own (leakproof, cheaper) condition, so its array (an InitPlan) is computed only if some
    row met that condition: whether it ran shows whether the key exists somewhere, not that row —
    the residual risk of docs/security.md, left out of this comparison. With index plans the array
    is an index condition, computed before the scan, and compared like every node."""
    c.execute("set local enable_seqscan = " + ("on" if seqscan else "off"))
    row = c.execute("explain (analyze, format json, timing off, summary off) " + query, (value,)).fetchone()[0]
    plan = row if isinstance(row, list) else json.loads(row)
    return nodes(plan[0]["Plan"], initplans=not seqscan)


@pytest.fixture
def targets(conn, world):
    """Objects of unit T-B, of unit T-A (the login's own) and ones that do not exist."""
    as_ops(conn)
    # an import batch holding only T-B's rows (the world's batch mixes units)
    batch = conn.execute("""insert into epi.import_batch (file_name, file_hash, row_count, imported_by)
                            values ('测试乙.xlsx', 'h-b', 1, 'ops.tester') returning batch_id""").fetchone()[0]
    conn.execute(f"""insert into epi.scan (venue_id, venue_name, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                     values ('VB1', 'VB1名称', {sealed('00000000000000000X', '测试人', '14400009999')}, '2022-03-05 09:00+08',
                            %s, 'ops.tester')""", (batch,))
    # a third unit's city around them, and statistics, so that the planner costs its paths as on a
    # production database (with empty tables every path costs the same and the first one wins)
    as_ops(conn)
    conn.execute("insert into epi.unit (unit_code, unit_name) values ('T-C', '测试监管单位丙')")
    conn.execute("""insert into epi.venue (venue_id, venue_name, unit_code, flow_min, flow_max)
                    select 'VC' || i, '测试场所丙' || i, 'T-C', 1, 10 from generate_series(1, 400) i""")
    conn.execute(f"""insert into epi.scan (venue_id, venue_name, {SEALED_COLUMNS}, collected_at, batch_id, imported_by)
                     select 'VC' || (i %% 400 + 1), '测试场所丙', {sealed('00000000000000000X', '测试人', '14400009999')},
                           timestamptz '2022-03-01 00:00+08' + i * interval '1 minute', %s, 'ops.tester'
                      from generate_series(1, 20000) i""", (world["batch"],))
    as_jobs(conn)
    conn.execute("""insert into epi.alert (venue_id, venue_name, period_start, period_end, reason, flow_min, flow_max)
                    select 'VC' || i, '测试场所丙', '2022-03-01', '2022-03-07', '小于阈值', 1, 10
                      from generate_series(1, 400) i""")
    as_admin(conn)
    for table in ("epi.unit", "epi.venue", "epi.scan", "epi.alert", "epi.alert_day", "epi_private.daily_count"):
        conn.execute(f"analyze {table}")
    scan = dict(conn.execute("select venue_id, max(scan_id) from epi.scan group by 1").fetchall())
    return {
        "venue": ("VB1", "VA1", "NO-SUCH-VENUE"),
        "unit": ("T-B", "T-A", "NO-SUCH-UNIT"),
        "alert": (world["alerts"]["VB1"], world["alerts"]["VA1"], -1),
        "scan": (scan["VB1"], scan["VA1"], 10 ** 12),
        "batch": (batch, world["batch"], 10 ** 12),
    }


QUERIES = [
    ("oa.venue by venue_id", "select * from oa.venue where venue_id = %s", "venue"),
    ("oa.venue by unit_code", "select * from oa.venue where unit_code = %s", "unit"),
    ("oa.scan by venue_id", "select * from oa.scan where venue_id = %s order by collected_at desc limit 51", "venue"),
    ("oa.scan by scan_id", "select * from oa.scan where scan_id = %s", "scan"),
    ("oa.scan by unit_code", "select * from oa.scan where unit_code = %s limit 51", "unit"),
    ("oa.alert by venue_id", "select * from oa.alert where venue_id = %s", "venue"),
    ("oa.alert by alert_id", "select * from oa.alert where alert_id = %s", "alert"),
    ("oa.alert_day by alert_id", "select * from oa.alert_day where alert_id = %s", "alert"),
    ("oa.daily_count by venue_id", "select * from oa.daily_count where venue_id = %s", "venue"),
]


def read(nodes_: list[dict]) -> dict[str, tuple[int, int]]:
    """What the plan read from each table: (rows it returned, rows a filter or recheck removed),
    summed over loops. The plan's shape may differ with the target (the estimates come from the
    statistics: the residual of docs/security.md); what it read must not."""
    out: dict[str, tuple[int, int]] = {}
    for n in nodes_:
        table = n.get("Relation Name")
        if not table:
            continue
        loops = n.get("Actual Loops", 1)
        rows, removed = out.get(table, (0, 0))
        out[table] = (rows + round(n.get("Actual Rows", 0) * loops),
                      removed + sum(round(n.get(k, 0) * loops) for k in REMOVED))
    return out


def differences(a, b) -> list[str]:
    ra, rb = read(a), read(b)
    return [f"{t}: read {ra.get(t)} vs {rb.get(t)}" for t in sorted(set(ra) | set(rb)) if ra.get(t) != rb.get(t)]


# PostgreSQL before 17 keeps a policy's array condition on an index's second column as a filter:
# (scan_id, venue_id) then removes the other unit's scan of that id — docs/security.md section 2b, residual risks
BEFORE_17 = {"oa.scan by scan_id"}


def residual_before_17(conn, name):
    if name in BEFORE_17 and conn.info.server_version < 170000:
        pytest.xfail("PostgreSQL < 17: a condition on an index's second column stays a filter (documented residual)")


@pytest.mark.parametrize("seqscan", [True, False], ids=["small-table plans", "index plans"])
@pytest.mark.parametrize(("name", "query", "kind"), QUERIES, ids=[q[0] for q in QUERIES])
def test_a_query_aimed_at_another_unit_shows_what_one_aimed_at_nothing_shows(conn, targets, oa_login_a,
                                                                            name, query, kind, seqscan):
    other, own, nothing = targets[kind]
    residual_before_17(conn, name)
    as_oa(conn, oa_login_a)
    assert conn.execute(query, (other,)).fetchall() == []
    assert conn.execute(query, (own,)).fetchall() != [], "the control: the login's own rows are found"
    aimed = explain(conn, query, other, seqscan=seqscan)
    blank = explain(conn, query, nothing, seqscan=seqscan)
    assert not differences(aimed, blank), f"{name}: the plan shows another unit's rows: {differences(aimed, blank)}"


# the web app's unit role also reads the tables (an OA login has no usage on schema epi)
WEB_QUERIES = [
    *QUERIES,
    ("epi.unit by unit_code", "select * from epi.unit where unit_code = %s", "unit"),
    ("epi.venue by unit_code", "select * from epi.venue where unit_code = %s", "unit"),
    ("epi.alert by alert_id", "select * from epi.alert where alert_id = %s", "alert"),
]


@pytest.mark.parametrize(("name", "query", "kind"), WEB_QUERIES, ids=[q[0] for q in WEB_QUERIES])
def test_the_web_unit_role_shows_nothing_either(conn, targets, name, query, kind):
    """The web app's unit role has the same single policy (its timing is the bench's side_channel)."""
    other, own, nothing = targets[kind]
    residual_before_17(conn, name)
    as_unit(conn, "T-A")
    assert conn.execute(query, (other,)).fetchall() == []
    assert conn.execute(query, (own,)).fetchall() != []
    aimed = explain(conn, query, other, seqscan=False)
    blank = explain(conn, query, nothing, seqscan=False)
    assert not differences(aimed, blank), f"{name}: {differences(aimed, blank)}"


def test_each_role_has_one_select_policy_on_unit_data(conn):
    """One SELECT policy per role: permissive policies that apply together are OR-ed into a filter
    that no index can serve. Only the owner (security-definer functions acting for any caller)
    has more than one."""
    rows = conn.execute("""
        select c.relname, r.rolname, count(*)
          from pg_policy p
          join pg_class c on c.oid = p.polrelid
          join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'epi'
          cross join lateral unnest(p.polroles) as pr(oid)
          join pg_roles r on r.oid = pr.oid
         where p.polcmd in ('r', '*') and c.relname in ('scan', 'venue', 'unit', 'alert', 'alert_day')
         group by 1, 2""").fetchall()
    assert rows, "policies name their roles"
    many = [(t, r, n) for t, r, n in rows if n > 1 and r != "epi_owner"]
    assert not many, many
    public = conn.execute("""select c.relname, p.polname from pg_policy p join pg_class c on c.oid = p.polrelid
                              where p.polcmd = 'r' and p.polroles = '{0}'
                                and c.relname in ('scan', 'venue', 'unit', 'alert', 'alert_day')""").fetchall()
    assert not public, f"SELECT policies for PUBLIC: {public}"


def test_reader_groups_hold_no_privileges_and_logins_are_members_of_their_group_only(conn, oa_login_a):
    granted = conn.execute("""
        select g.rolname, count(*) from pg_roles g
          left join information_schema.role_table_grants t on t.grantee = g.rolname
         where g.rolname in ('epi_reader', 'epi_ops_reader') and t.grantee is not null group by 1""").fetchall()
    assert granted == []
    routines = conn.execute("""select count(*) from information_schema.role_routine_grants
                                where grantee in ('epi_reader', 'epi_ops_reader')""").fetchone()[0]
    assert routines == 0
    member_of = [r[0] for r in conn.execute(
        """select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
            join pg_roles u on u.oid = m.member where u.rolname = %s""", (oa_login_a,))]
    assert member_of == ["epi_reader"]
    # SET ROLE to its group gives the login nothing
    as_oa(conn, oa_login_a)
    conn.execute("set local role epi_reader")
    from tests.conftest import attempt

    assert "permission denied" in str(attempt(conn, "select * from oa.venue"))


def test_a_unit_sees_the_alerts_of_a_venue_moved_to_it_at_once(conn, world):
    """visible_alerts follows the venue's unit now (the policies test alert_id)."""
    as_unit(conn, "T-A")
    before = {r[0] for r in conn.execute("select alert_id from oa.alert")}
    assert world["alerts"]["VB1"] not in before
    as_ops(conn)
    conn.execute("update epi.venue set unit_code = 'T-A' where venue_id = 'VB1'")
    as_unit(conn, "T-A")
    after = {r[0] for r in conn.execute("select alert_id from oa.alert")}
    assert world["alerts"]["VB1"] in after
    assert conn.execute("select count(*) from oa.alert_day where alert_id = %s",
                        (world["alerts"]["VB1"],)).fetchone()[0] == 7
    as_jobs(conn)
    assert conn.execute("select count(*) from epi.alert").fetchone()[0] >= 2


def test_oa_scan_has_no_batch_id_to_aim_at(conn, targets, oa_login_a):
    """Issue 44, point 7: a plan aimed at another unit's batch told which batches exist (and SPEC 8
    does not list batch_id in oa.scan): the column left the view, for every reader."""
    other = targets["batch"][0]
    as_oa(conn, oa_login_a)
    err = attempt(conn, "select * from oa.scan where batch_id = %s", (other,))
    assert (err.sqlstate, err.diag.message_primary) == ("42703", 'column "batch_id" does not exist')
    assert "batch_id" not in [c.name for c in conn.execute("select * from oa.scan limit 0").description]
