/* why: pg_cron schedules in UTC (Debian's pg_cron 1.4 has no time zone setting) and the schedule
   is kept in Kaiping's time (epi.job_schedule): the one conversion, for the jobs that run in the
   database. Asia/Shanghai is UTC+8 all year (no daylight saving), so a time before 08:00 falls on
   the day before in UTC, and a weekly job's weekday moves back with it (Sunday 03:00 = Saturday
   19:00 UTC: "0 19 * * 6"). The units refresh reads a file and runs in Python: not here. */
create or replace function epi.job_cron()
returns table (job text, schedule text)
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select s.job,
         format('%s %s * * %s', extract(minute from u.at)::int, extract(hour from u.at)::int,
                case when s.weekday is null then '*'
                     else ((s.weekday + case when s.at < time '08:00' then 6 else 0 end) % 7)::text end)
    from epi.job_schedule s
    cross join lateral (select s.at - interval '8 hours' as at) u   -- a time minus an interval wraps at midnight
    join epi.job_list() j on j.job = s.job and j.in_database
   order by s.job
$$;
comment on function epi.job_cron() is 'The timed jobs that run in the database, each with its pg_cron line in UTC.';
