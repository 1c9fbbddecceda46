/* why: scan records with 监管单位 looked up in the venue registry by 公共场所ID (NULL = 空 when the
   venue is unknown or unassigned). 被采集人身份证, 被采集人 and 联系电话 are the masks (SPEC section 3):
   a full value is revealed one record at a time, with a reason (epi.reveal_scans; oa.scan_full is
   retired). security_invoker: a unit sees only scans of its venues. No batch_id (SPEC 8; issue 44: a
   plan aimed at another unit's batch told which batches exist). */
create or replace view oa.scan with (security_invoker = true) as
select s.scan_id, s.venue_id, s.venue_name, s.category, s.city, s.street, s.venue_admin,
       s.id_card_masked as id_card, s.person_name_masked as person_name, s.phone_masked as phone,
       s.collect_result, s.nat_result, s.nat_result_time,
       s.health_code, s.collector_location, s.collected_at,
       s.imported_by, s.imported_at,
       v.unit_code, u.unit_name
  from epi.scan s
  left join epi.venue v on v.venue_id = s.venue_id
  left join epi.unit u on u.unit_code = v.unit_code;
comment on view oa.scan is '扫码进场信息 (personal data masked) with 数据导入人, 数据导入时间 and 监管单位; rows filtered by the reader''s unit.';
