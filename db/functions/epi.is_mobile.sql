/* why: the SMS goes only to an 11-digit mainland mobile number. */
create or replace function epi.is_mobile(p_phone text) returns boolean
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select coalesce(btrim(p_phone) ~ '^1[3-9][0-9]{9}$', false) $$;
comment on function epi.is_mobile(text) is 'True for an 11-digit mainland mobile number.';
