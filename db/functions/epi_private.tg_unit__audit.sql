/* why: a unit's head receives the alert texts and its code decides which venues its people see:
   every change of a unit is audited, whichever path made it (invoke load.units, SQL). The head's
   phone is held masked in the entry, like every phone in the log. */
create or replace function epi_private.tg_unit__audit() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'updated_at' end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'updated_at' end;
begin
  if tg_op = 'UPDATE' and v_old = v_new then
    return null;
  end if;
  if v_old is not null then
    v_old := v_old || jsonb_build_object('head_phone', epi.mask_phone(old.head_phone));
  end if;
  if v_new is not null then
    v_new := v_new || jsonb_build_object('head_phone', epi.mask_phone(new.head_phone));
  end if;
  perform epi_private.write_audit('unit.' || lower(tg_op),
    jsonb_build_object('unit_code', coalesce(new.unit_code, old.unit_code), 'old', v_old, 'new', v_new), 1);
  return null;
end
$$;
comment on function epi_private.tg_unit__audit() is 'Audit every insert, update and delete of a supervising unit (head phone masked).';

drop trigger if exists tg_unit__audit on epi.unit;
create trigger tg_unit__audit after insert or update or delete on epi.unit
  for each row execute function epi_private.tg_unit__audit();
