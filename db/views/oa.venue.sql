/* why: venues as OA and the pages show them, with the unit's head and phone taken from the unit
   (never copied onto the venue). security_invoker: the caller's RLS applies. */
create or replace view oa.venue with (security_invoker = true) as
select v.venue_id, v.venue_name, v.category, v.city, v.street, v.venue_admin, v.location,
       v.unit_code, v.flow_min, v.flow_max,
       u.unit_name, u.head_name, u.head_phone,
       v.source, v.created_at, v.updated_at
  from epi.venue v
  left join epi.unit u on u.unit_code = v.unit_code;
comment on view oa.venue is '场所信息 with 监管单位, 监管单位负责人 and 负责人手机号; rows filtered by the reader''s unit.';
