-- 短信记录 (web/sms.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: sms_get
select sms_id, unit_code, epi.mask_phone(phone) as phone, day, status, in_doubt, resent_at from oa.sms_log
 where sms_id = %(sms_id)s;

-- name: sms_resolve
select epi.sms_resolve(%(sms_id)s, %(action)s);
