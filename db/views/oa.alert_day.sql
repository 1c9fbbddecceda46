/* why: the 7 daily counts each alert was raised on. security_invoker: only days of alerts the
   reader can see. */
create or replace view oa.alert_day with (security_invoker = true) as
select d.alert_id, d.day, d.n
  from epi.alert_day d;
comment on view oa.alert_day is 'The 7 days (日期, 当日扫码量) of each alert the reader can see.';
