/* Issue 24: a day on which the whole city has no data is drawn and labelled 无数据 on every per-day
   chart and table, not 0. A unit reads only its own venues' daily counts (forced RLS), so it cannot
   tell "my venues had no scans" from "nothing was imported for that day". epi_private.data_day holds
   the days with at least one scan anywhere (no venue, no count: nothing of any unit), kept beside
   the daily counts by epi_private.tg_scan__count, epi.job_counts and epi_private.drop_scan_partition,
   and read through epi.data_days(). Filled here once from the counts that exist. */
create table epi_private.data_day (
  day date primary key
);
comment on table epi_private.data_day is 'Asia/Shanghai days with at least one scan in the whole city (nothing else: no venue, no count).';

-- (db/security/epi_private.data_day.sql secures the table; the counts are read here as they are)
alter table epi_private.daily_count no force row level security;
insert into epi_private.data_day (day) select distinct day from epi_private.daily_count;
alter table epi_private.daily_count force row level security;
