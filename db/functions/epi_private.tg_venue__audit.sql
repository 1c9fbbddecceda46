/* why: every venue change and threshold change is audited with who and what, whichever path
   (page, API, loader, discovery) made it. A change of flow_min/flow_max only is a threshold change. */
create or replace function epi_private.tg_venue__audit() returns trigger
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_old jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'created_at' - 'updated_at' end;
  v_new jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'created_at' - 'updated_at' end;
  v_action text;
begin
  if tg_op = 'UPDATE' then
    if v_old = v_new then
      return null;
    end if;
    v_action := case when (v_old - 'flow_min' - 'flow_max') = (v_new - 'flow_min' - 'flow_max')
                     then 'threshold.update' else 'venue.update' end;
  else
    v_action := 'venue.' || lower(tg_op);
  end if;
  perform epi_private.write_audit(v_action,
    jsonb_build_object('venue_id', coalesce(new.venue_id, old.venue_id), 'old', v_old, 'new', v_new), 1);
  return null;
end
$$;
comment on function epi_private.tg_venue__audit() is 'Audit every insert, update and delete of a venue.';

drop trigger if exists tg_venue__audit on epi.venue;
create trigger tg_venue__audit after insert or update or delete on epi.venue
  for each row execute function epi_private.tg_venue__audit();
