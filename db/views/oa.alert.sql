/* why: alerts with the venue as it was when raised and the unit that supervises it now (the one
   that must accept it). security_invoker: a unit sees only alerts of its venues. */
create or replace view oa.alert with (security_invoker = true) as
select a.alert_id, a.venue_id, a.venue_name, a.category, a.city, a.street, v.unit_code,
       a.period_start, a.period_end, a.reason, a.flow_min, a.flow_max,
       a.status, a.accepted_by, a.accepted_at, a.created_at
  from epi.alert a
  left join epi.venue v on v.venue_id = a.venue_id;
comment on view oa.alert is '“扫码”预警: period, reason, thresholds in force and acceptance; rows filtered by the reader''s unit.';
