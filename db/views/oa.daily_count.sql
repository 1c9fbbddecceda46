/* why: the daily-count summary is never granted to unit roles; this view reads it through a
   security-definer function whose result is still filtered by the caller's identity. */
create or replace view oa.daily_count with (security_invoker = true) as
select c.venue_id, c.day, c.n
  from epi_private.visible_daily_counts() c;
comment on view oa.daily_count is 'Scans per venue per Asia/Shanghai day (days without scans are absent); rows filtered by the reader''s unit.';
