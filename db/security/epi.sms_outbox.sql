alter table epi.sms_outbox enable row level security, force row level security;
revoke all on epi.sms_outbox from public;

drop policy if exists "Ops and jobs see every text" on epi.sms_outbox;
create policy "Ops and jobs see every text" on epi.sms_outbox for select
  using ((select epi_private.caller_is('ops', 'jobs')));
drop policy if exists "The SMS job queues texts" on epi.sms_outbox;
create policy "The SMS job queues texts" on epi.sms_outbox for insert
  with check ((select epi_private.caller_is('jobs')));
drop policy if exists "The SMS job records what became of texts" on epi.sms_outbox;
create policy "The SMS job records what became of texts" on epi.sms_outbox for update
  using ((select epi_private.caller_is('jobs')))
  with check ((select epi_private.caller_is('jobs')));

-- ops decide about a text in doubt only through epi.sms_resolve (owner rights, the ops identity)
drop policy if exists "Ops resolve texts in doubt" on epi.sms_outbox;
create policy "Ops resolve texts in doubt" on epi.sms_outbox for update to epi_owner
  using ((select epi_private.caller_is('ops')) and in_doubt)
  with check ((select epi_private.caller_is('ops')));

grant select on epi.sms_outbox to epi_ops, epi_jobs;
grant insert (unit_code, phone, day, content, status, attempts, response),
      update (status, attempts, response, updated_at, sent_at, sending_since, in_doubt, next_attempt_at)
  on epi.sms_outbox to epi_jobs;
