/* why: the limits of the zone's rules, written once. The functions that check values read them
   here (epi.threshold_problems, epi.scan_retention_days, epi.find_scans), and so do the web app's
   OpenAPI description and anything else that states a bound: no copy of a number in Python. A
   value a rule refuses is raised with SQLSTATE EP400 and the field (COLUMN) it concerns; the web
   app's one handler shows the message beside that field (web/errors.py). */
create or replace function epi.rule_limits()
returns table (rule text, value bigint)
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  values ('threshold_max', 2147483647),            -- 场所日人流量阈值 (the columns are integer)
         ('scan_retention_min_days', 14),          -- 扫码记录保存期限, at least
         ('scan_retention_max_days', 36500),       -- ... and at most (a hundred years)
         ('name_search_min_chars', 2),             -- 被采集人 searched by at least this many characters
         ('unmasked_export_max_rows', 5000),       -- an export with full personal data, at most
         ('unmasked_export_window_hours', 24),     -- ... of one venue, within a 采集时间 window this long
         ('reveal_budget_max', 1000000),           -- a daily reveal budget (setting or raise), at most
         ('reveal_per_minute_max', 600),           -- reveals a minute (the setting), at most
         ('reveal_raise_max_days', 30),            -- a raise of one account's budget lasts at most
         ('oa_transaction_max_seconds', 120),      -- an OA reader login's transaction lasts at most
         ('strong_lock_timeout_ms', 200),          -- a month's drop waits for its lock at most (each try)
         ('strong_lock_wait_seconds', 10)          -- ... and tries again for at most
$$;
comment on function epi.rule_limits() is 'The limits of the rules on values (threshold maximum, retention days, name search length, unmasked exports, reveal budgets), each once.';
