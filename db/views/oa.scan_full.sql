/* why: an OA system that must see the full 被采集人身份证, 被采集人 and 联系电话 reads this view; only
   logins made with `invoke db.grant-oa LOGIN --reveal` may (they alone hold the raw columns),
   and their reads are audited by the OA system's own login. Same rows as oa.scan: security_invoker,
   the reader's unit. */
create or replace view oa.scan_full with (security_invoker = true) as
select s.scan_id, s.venue_id, s.venue_name, s.category, s.city, s.street, s.venue_admin,
       s.id_card, s.person_name, s.phone,
       s.collect_result, s.nat_result, s.nat_result_time,
       s.health_code, s.collector_location, s.collected_at,
       s.imported_by, s.imported_at, s.batch_id,
       v.unit_code, u.unit_name
  from epi.scan s
  left join epi.venue v on v.venue_id = s.venue_id
  left join epi.unit u on u.unit_code = v.unit_code;
comment on view oa.scan_full is '扫码进场信息 with full personal data, for OA logins granted --reveal only; rows filtered by the reader''s unit.';
