/* Issue 44, point 6: one text per unit per day of sending. The queue keeps one text per unit per
   business date (sms_outbox_one_per_unit_day, unchanged), but three `jobs.run sms --date` runs on
   one real day sent a unit head three texts. At dispatch a queued text for a unit that already got
   one today (Asia/Shanghai), or whose text today is in doubt, is not sent: status 'skipped', response
   今日已发送，未重发. */
alter table epi.sms_outbox drop constraint sms_outbox_status_valid;
alter table epi.sms_outbox add constraint sms_outbox_status_valid check (status in ('pending', 'sent', 'failed', 'skipped'));
comment on constraint sms_outbox_status_valid on epi.sms_outbox is
  '短信状态只能是 pending（待发送）、sent（已发送）、failed（失败）或 skipped（当日已发送，未重发）';
