/* why: once a day, one text per unit that has at least one unaccepted alert (of a venue it
   supervises now), never two: the outbox is unique per (unit, day), so re-running the job the same
   day queues nothing. A unit whose head has no valid mainland mobile number is recorded as failed
   with the reason. The dispatcher (Python) sends what is pending. */
create or replace function epi.job_sms_queue(p_as_of date) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows bigint;
begin
  perform epi_private.require_kind('只有系统任务可以生成短信', 'jobs');
  insert into epi.sms_outbox (unit_code, phone, day, content, status, response)
  select u.unit_code, u.head_phone, p_as_of, epi.sms_text(),
         case when epi.is_mobile(u.head_phone) then 'pending' else 'failed' end,
         case when nullif(btrim(u.head_phone), '') is null then '监管单位负责人手机号未填写，未发送'
              when not epi.is_mobile(u.head_phone) then '监管单位负责人手机号不是有效的11位手机号码，未发送' end
    from epi.unit u
   where exists (select from epi.alert a
                   join epi.venue v on v.venue_id = a.venue_id
                  where v.unit_code = u.unit_code and a.status = '未接收')
   order by u.unit_code
  on conflict (unit_code, day) do nothing;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;
comment on function epi.job_sms_queue(date) is 'Queue the day''s text for every unit with unaccepted alerts (at most one per unit per day).';
