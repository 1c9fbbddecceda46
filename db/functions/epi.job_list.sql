/* why: the jobs exist once, here, with how each runs: epi.run_job checks a name against it and
   runs each step by the step's own call (an expression of the as-of day, $1); jobs/runner.py and
   tasks.py list and check names from it, the scheduler and pg_cron run the jobs it names.
   A composite job (nightly) lists its steps, each a job of its own; a job with no call and
   in_database = false runs in Python with the same bookkeeping (jobs/runner.py: recorded): the
   front-database sync reads another database, the units and menus refreshes read OA's files. */
create or replace function epi.job_list()
returns table (job text, label text, steps text[], call text, in_database boolean)
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  values ('partitions', '扫码数据分区', array['partitions'], 'epi.job_partitions($1)', true),
         ('retention', '到期数据清理', array['retention'], 'epi.job_retention($1)', true),
         ('discover', '场所发现', array['discover'], 'epi.job_discover($1)', true),
         ('counts', '日扫码量核对', array['counts'], 'epi.job_counts($1, false)', true),
         ('counts_full', '日扫码量全量核对', array['counts_full'], 'epi.job_counts($1, true)', true),
         ('alerts', '预警检测', array['alerts'], 'epi.job_alerts($1)', true),
         ('sms', '短信生成', array['sms'], 'epi.job_sms_queue($1)', true),
         ('nightly', '夜间任务', array['partitions', 'retention', 'discover', 'counts', 'alerts', 'sms'], null, true),
         ('frontdb', '前置库同步', array['frontdb'], null, false),
         ('units', '监管单位刷新（OA）', array['units'], null, false),
         ('menus', '菜单授权刷新（OA）', array['menus'], null, false)
$$;
comment on function epi.job_list() is
  'Every job: its name, Chinese label, steps (nightly: six), the SQL call of a one-step job (of $1, the as-of day) and whether epi.run_job runs it.';
