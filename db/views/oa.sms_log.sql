/* why: what the SMS job sent, for ops only (units have no grant on the outbox and the policy
   shows them nothing). security_invoker. */
create or replace view oa.sms_log with (security_invoker = true) as
select o.sms_id, o.unit_code, o.phone, o.day, o.status, o.attempts, o.response,
       o.created_at, o.updated_at, o.sent_at, o.sending_since,
       o.in_doubt, o.next_attempt_at, o.resent_at, o.resolved_by, o.resolved_at
  from epi.sms_outbox o;
comment on view oa.sms_log is 'Every text queued by the SMS job: unit, phone, day, status, attempts, gateway response, whether it is in doubt and how ops resolved it (ops only).';
