-- The pool's own statements and the audit writers every blueprint calls through web/db.py.
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: generic_plans
-- Each pooled connection keeps one generic plan per prepared query (see web/db.py).
set plan_cache_mode = force_generic_plan;

-- name: rule_limits
-- The limits of the rules (the OpenAPI description states them as the database checks them)
select rule, value from epi.rule_limits();

-- name: schema_revision
-- /readyz: the revision of the database's schema (compared with the code's head), and which server
-- answers (behind a Patroni cluster: the leader the multi-host string reached; null on a socket)
select epi.schema_revision() as revision, host(inet_server_addr()) as host, inet_server_port() as port;

-- name: audit_scan_access
-- The access entry of a scan query page or export; conditions masked and hashes checked by the database.
select epi.audit_scan_access(%(action)s, %(conditions)s::jsonb, %(rows)s, %(hashes)s::text[]);

-- name: audit_stats_export
select epi.audit_stats_export(%(from)s, %(to)s, %(rows)s);

-- name: statement_timeout
-- the app's own DB_STATEMENT_TIMEOUT (tests), for this connection's session
select set_config('statement_timeout', %(timeout)s, false);
