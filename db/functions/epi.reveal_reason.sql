/* why: a reason is a reason (issue 42, point 3), for a reveal and an unmasked export alike: 2–200
   characters, at least 2 of them letters, digits or CJK characters once whitespace, zero-width and
   bidi controls are left out (two zero-width spaces are no reason). Returns the reason trimmed;
   a refusal is EP400 on the field reason. */
create or replace function epi.reveal_reason(p_reason text) returns text
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_reason text := btrim(coalesce(p_reason, ''));
begin
  if char_length(regexp_replace(v_reason,
       '[^0-9A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]',
       '', 'g')) < 2 or char_length(v_reason) > 200 then
    raise exception '请填写查看事由（2–200 个字，其中至少 2 个汉字、字母或数字）'
      using errcode = 'EP400', column = 'reason';
  end if;
  return v_reason;
end
$$;
comment on function epi.reveal_reason(text) is 'A reveal''s or an unmasked export''s reason, trimmed, or EP400: 2–200 characters, at least 2 letters, digits or CJK.';
