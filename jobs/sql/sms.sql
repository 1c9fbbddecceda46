-- name: in_doubt
-- A text claimed for sending long ago and never recorded: the dispatcher died between the gateway
-- call and recording its answer. It may or may not have been sent; it is never re-sent blindly.
update epi.sms_outbox
   set status = 'failed', in_doubt = true, sending_since = null, updated_at = now(),
       response = '发送结果未知：上次发送过程中断（进程退出或数据库重启），为避免重复发送未自动重发，请人工核实'
 where status = 'pending' and sending_since < now() - %(stale)s::interval
returning sms_id, unit_code, day;

-- name: skip_sent_today
-- One text per unit per day of sending (issue 44, point 6): a pending text of a unit that already got
-- one today (Asia/Shanghai) — sent, or in doubt (it may have arrived) — is not sent.
update epi.sms_outbox o
   set status = 'skipped', response = '今日已发送，未重发', updated_at = now()
 where o.status = 'pending' and o.sending_since is null
   and exists (select from epi.sms_outbox x
                where x.unit_code = o.unit_code and x.sms_id <> o.sms_id
                  and ((x.status = 'sent' and x.sent_at >= (date_trunc('day', now() at time zone 'Asia/Shanghai')
                                                            at time zone 'Asia/Shanghai'))
                       or (x.in_doubt and x.updated_at >= (date_trunc('day', now() at time zone 'Asia/Shanghai')
                                                           at time zone 'Asia/Shanghai'))
                       or (x.status = 'pending' and x.sending_since is not null)))
returning o.sms_id, o.unit_code, o.day;

-- name: claim
-- Take one pending text that nobody is sending; committed before the gateway is called.
update epi.sms_outbox o
   set sending_since = now(), attempts = o.attempts + 1, updated_at = now()
 where o.sms_id = (select sms_id from epi.sms_outbox
                    where status = 'pending' and sending_since is null
                      and (next_attempt_at is null or next_attempt_at <= now())
                    order by sms_id
                    for update skip locked
                    limit 1)
returning o.sms_id, o.unit_code, o.phone, o.content, o.day, o.attempts, epi.mask_phone(o.phone) as phone_masked;

-- name: reclaim
-- The next attempt at a text this dispatcher holds (after a transient failure).
update epi.sms_outbox
   set sending_since = now(), attempts = attempts + 1, updated_at = now()
 where sms_id = %(sms_id)s and status = 'pending'
returning attempts;

-- name: note_transient
update epi.sms_outbox set response = %(response)s, updated_at = now() where sms_id = %(sms_id)s;

-- name: postpone
-- The gateway asked for more time than this run waits (Retry-After): the text stays pending,
-- unclaimed, for a later run, not before that time.
update epi.sms_outbox
   set sending_since = null, next_attempt_at = now() + make_interval(secs => %(seconds)s),
       response = %(response)s, updated_at = now()
 where sms_id = %(sms_id)s;

-- name: record_in_doubt
-- The request left and no usable answer came back: failed, in doubt, never re-sent automatically.
update epi.sms_outbox
   set status = 'failed', in_doubt = true, response = %(response)s, sending_since = null, updated_at = now()
 where sms_id = %(sms_id)s;

-- name: record_sent
update epi.sms_outbox
   set status = 'sent', response = %(response)s, sent_at = now(), sending_since = null, updated_at = now()
 where sms_id = %(sms_id)s;

-- name: record_failed
update epi.sms_outbox
   set status = 'failed', response = %(response)s, sending_since = null, updated_at = now()
 where sms_id = %(sms_id)s;
