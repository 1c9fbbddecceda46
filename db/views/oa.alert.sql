/* why: alerts with the venue as it was when raised and the unit that supervises it now (the one
   that must accept it). security_invoker: a unit sees only alerts of its venues. The unit is a
   lookup per alert by the venue's primary key (the venue policy an index condition beside it), not
   a join: the policies' arrays give the planner no row estimate, and a join planned for one alert
   read every venue of the unit once per alert (2 s for a unit's 3,000 alerts). */
create or replace view oa.alert with (security_invoker = true) as
select a.alert_id, a.venue_id, a.venue_name, a.category, a.city, a.street,
       (select v.unit_code from epi.venue v where v.venue_id = a.venue_id) as unit_code,
       a.period_start, a.period_end, a.reason, a.flow_min, a.flow_max,
       a.status, a.accepted_by, a.accepted_at, a.created_at
  from epi.alert a;
comment on view oa.alert is '“扫码”预警: period, reason, thresholds in force and acceptance; rows filtered by the reader''s unit.';
