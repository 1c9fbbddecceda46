/* Personal data 1 of 3 (SPEC section 3, GB/T 35273-2020): 被采集人身份证, 被采集人 and 联系电话 are
   shown masked everywhere. The masks are stored beside the values (generated columns), so that
   the raw columns can be withheld from every runtime role by column privileges while oa.scan,
   a security_invoker view, reads the masks only. The mask rules are defined here, with the
   columns that depend on them (a generated column cannot outlive its function):
   - ID number: first 6 and last 4 characters kept, every other character *, same length;
   - phone: first 3 and last 4 kept;
   - name: the first character, then one * per further character;
   a value too short for its rule is masked whole. SQL, immutable, no SET clause: the planner
   inlines them, so computing the masks costs an import almost nothing. */

create function epi.mask_id_card(p_value text) returns text
language sql immutable parallel safe
as $$ select case when char_length(p_value) <= 10 then repeat('*', char_length(p_value))
                  else left(p_value, 6) || repeat('*', char_length(p_value) - 10) || right(p_value, 4) end $$;
comment on function epi.mask_id_card(text) is '被采集人身份证 masked: first 6 and last 4 kept (440783********1234); shorter values all *.';

create function epi.mask_phone(p_value text) returns text
language sql immutable parallel safe
as $$ select case when char_length(p_value) <= 7 then repeat('*', char_length(p_value))
                  else left(p_value, 3) || repeat('*', char_length(p_value) - 7) || right(p_value, 4) end $$;
comment on function epi.mask_phone(text) is '联系电话 (and unit heads'' phones in lists) masked: first 3 and last 4 kept (139****0001); shorter values all *.';

create function epi.mask_name(p_value text) returns text
language sql immutable parallel safe
as $$ select case when char_length(p_value) <= 1 then repeat('*', char_length(p_value))
                  else left(p_value, 1) || repeat('*', char_length(p_value) - 1) end $$;
comment on function epi.mask_name(text) is '被采集人 masked: the first character, then one * per further character (欧***); one character: *.';

alter table epi.scan
  add column id_card_masked     text generated always as (epi.mask_id_card(id_card)) stored,
  add column person_name_masked text generated always as (epi.mask_name(person_name)) stored,
  add column phone_masked       text generated always as (epi.mask_phone(phone)) stored;
comment on column epi.scan.id_card_masked is '被采集人身份证 as every output shows it (epi.mask_id_card).';
comment on column epi.scan.person_name_masked is '被采集人 as every output shows it (epi.mask_name).';
comment on column epi.scan.phone_masked is '联系电话 as every output shows it (epi.mask_phone).';

-- an OA reader login may read the full values (oa.scan_full) only when bound with --reveal
alter table epi_private.oa_login add column may_reveal boolean not null default false;
comment on column epi_private.oa_login.may_reveal is 'Bound with invoke db.grant-oa --reveal: may read oa.scan_full (full personal data).';

-- one record is revealed by its scan_id (POST /api/scans/<scan_id>/reveal); the primary key leads
-- with collected_at, so the id alone needs its own index (sequential ids: cheap to keep)
create index scan_scan_id_idx on epi.scan (scan_id);
