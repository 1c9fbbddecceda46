/* why: the fixed text of SPEC section 5, in one place. */
create or replace function epi.sms_text() returns text
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select '你有未接收的“扫码”预警待处理，请到OA系统的疫情防控专区查阅，谢谢！'::text $$;
comment on function epi.sms_text() is 'The fixed SMS text sent to unit heads.';
