/* why: the jobs exist once, here: epi.run_job checks a name against it and runs its steps,
   jobs/runner.py and tasks.py list and check names from it, the scheduler and pg_cron run the
   jobs it names. in_database = false for the front-database sync, which reads another database
   and so runs in Python (jobs/frontdb.py), and for the daily re-reading of OA's organisation export
   (jobs/units.py, a file): both with the same bookkeeping (epi.job_begin/job_end). */
create or replace function epi.job_list()
returns table (job text, label text, steps text[], in_database boolean)
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  values ('partitions', '扫码数据分区', array['partitions'], true),
         ('retention', '到期数据清理', array['retention'], true),
         ('discover', '场所发现', array['discover'], true),
         ('counts', '日扫码量核对', array['counts'], true),
         ('counts_full', '日扫码量全量核对', array['counts_full'], true),
         ('alerts', '预警检测', array['alerts'], true),
         ('sms', '短信生成', array['sms'], true),
         ('nightly', '夜间任务', array['partitions', 'retention', 'discover', 'counts', 'alerts', 'sms'], true),
         ('frontdb', '前置库同步', array['frontdb'], false),
         ('units', '监管单位刷新（OA）', array['units'], false)
$$;
comment on function epi.job_list() is 'Every job: its name, Chinese label, steps (nightly: six) and whether epi.run_job runs it.';
