/* Hardening (issue 19, point 2): a text is sent at most once, counted at the gateway. A text whose
   request left without a usable answer is failed and *in doubt* (it may have been sent): never
   re-sent automatically; ops either confirm it delivered or re-send it once after checking with the
   unit (epi.sms_confirm_delivered, epi.sms_resend — both audited). A gateway's Retry-After (429,
   503) is kept as the earliest time of the next attempt. */
alter table epi.sms_outbox
  add column in_doubt        boolean not null default false,
  add column next_attempt_at timestamptz,
  add column resent_at       timestamptz,
  add column resolved_by     text,
  add column resolved_at     timestamptz;
comment on column epi.sms_outbox.in_doubt is 'Failed after the request left (or the dispatcher died while sending): it may have been sent; a person decides.';
comment on column epi.sms_outbox.next_attempt_at is 'Not before: the gateway''s Retry-After (HTTP 429/503).';
comment on column epi.sms_outbox.resent_at is 'When ops re-sent this in-doubt text (at most once).';
comment on column epi.sms_outbox.resolved_by is 'Who confirmed the in-doubt text delivered or re-sent it.';
-- texts marked "result unknown" before this revision are in doubt too
update epi.sms_outbox set in_doubt = true where status = 'failed' and response like '发送结果未知%';
