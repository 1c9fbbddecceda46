/* why: a text in doubt may have reached the unit head, or not; only a person who asked the unit can
   tell. Ops either confirm it delivered, or re-send it — once: it goes back to the queue and the
   dispatcher sends it like any other (and if that attempt is in doubt again, a person decides
   again, but may not re-send a second time). Both are audited (sms.confirm, sms.resend, with the
   phone masked). Ops only; a text that is not in doubt is refused with the reason. */
create or replace function epi.sms_resolve(p_sms_id bigint, p_action text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_text record;
begin
  perform epi_private.require_kind('只有运维单位可以处理结果未知的短信', 'ops');
  if p_action is null or p_action not in ('confirm', 'resend') then
    raise exception '未知的处理方式：%', left(coalesce(p_action, ''), 20) using errcode = 'invalid_parameter_value';
  end if;
  select o.sms_id, o.unit_code, o.phone, o.day, o.status, o.in_doubt, o.resent_at into v_text
    from epi.sms_outbox o where o.sms_id = p_sms_id;
  if v_text.sms_id is null then
    raise exception '短信不存在' using errcode = 'no_data_found';
  end if;
  if not (v_text.status = 'failed' and v_text.in_doubt) then
    raise exception '该短信不是“结果未知”状态，无需处理' using errcode = 'check_violation';
  end if;
  if p_action = 'confirm' then
    update epi.sms_outbox
       set status = 'sent', in_doubt = false, sent_at = coalesce(sent_at, now()), updated_at = now(),
           resolved_by = epi_private.current_account(), resolved_at = now(),
           response = coalesce(response, '') || '；已由 ' || epi_private.current_account() || ' 人工确认送达'
     where sms_id = p_sms_id and status = 'failed' and in_doubt;
  else
    if v_text.resent_at is not null then
      raise exception '该短信已于 % 重新发送过一次，不能再次重发', v_text.resent_at using errcode = 'check_violation';
    end if;
    update epi.sms_outbox
       set status = 'pending', in_doubt = false, sending_since = null, next_attempt_at = null, updated_at = now(),
           resent_at = now(), resolved_by = epi_private.current_account(), resolved_at = now(),
           response = coalesce(response, '') || '；已由 ' || epi_private.current_account() || ' 核实后重新发送'
     where sms_id = p_sms_id and status = 'failed' and in_doubt and resent_at is null;
  end if;
  if not found then  -- someone else decided about it meanwhile (the update re-checks under its row lock)
    raise exception '该短信刚刚已由他人处理，请刷新页面' using errcode = 'check_violation';
  end if;
  perform epi_private.write_audit(case p_action when 'confirm' then 'sms.confirm' else 'sms.resend' end,
    jsonb_build_object('sms_id', v_text.sms_id, 'unit_code', v_text.unit_code, 'day', v_text.day,
                       'phone', epi.mask_phone(v_text.phone)), 1);
end
$$;
comment on function epi.sms_resolve(bigint, text) is 'Ops: confirm an in-doubt text delivered, or re-send it once; audited.';
