/* why: the venue form's rules (issue 47, point 1) are written once, here: 公共场所ID 1–64 letters,
   digits, - or _ (no spaces) for a venue the form adds, 公共场所 required, every text at most 200
   characters. The form asks this before it writes, so every field gets its message beside it;
   epi.venue_form_save applies the same rules to the form's writes (EP400 on the field). Discovery,
   the bulk venue load and the front-database sync keep storing IDs as the province gives them: the
   rules are the form's, not the table's. A venue's ID is never edited (p_new false: not checked). */
create or replace function epi.venue_form_problems(p_new boolean, p_venue_id text, p_venue_name text, p_category text,
                                                   p_city text, p_street text, p_venue_admin text, p_location text)
returns table (field text, message text)
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  with given (ord, field, label, value) as (
    values (1, 'venue_id', '公共场所ID', btrim(coalesce(p_venue_id, ''))),
           (2, 'venue_name', '公共场所', btrim(coalesce(p_venue_name, ''))),
           (3, 'category', '类别', btrim(coalesce(p_category, ''))),
           (4, 'city', '所在市区', btrim(coalesce(p_city, ''))),
           (5, 'street', '所在街道', btrim(coalesce(p_street, ''))),
           (6, 'venue_admin', '公共场所管理员', btrim(coalesce(p_venue_admin, ''))),
           (7, 'location', '所在位置', btrim(coalesce(p_location, '')))
  ), problems (ord, field, message) as (
    select g.ord, g.field, g.label || '不能为空' from given g
     where g.field in ('venue_id', 'venue_name') and g.value = '' and (p_new or g.field <> 'venue_id')
    union all
    select g.ord, g.field, g.label || '应为 1 至 64 个字母、数字、“-”或“_”（不含空格）' from given g
     where g.field = 'venue_id' and p_new and g.value <> '' and g.value !~ '^[A-Za-z0-9_-]{1,64}$'
    union all
    select g.ord, g.field, g.label || '不能超过 200 个字符（现有 ' || char_length(g.value) || ' 个）' from given g
     where g.field <> 'venue_id' and char_length(g.value) > 200
  )
  select field, message from problems order by ord
$$;
comment on function epi.venue_form_problems(boolean, text, text, text, text, text, text, text) is
  'The venue form''s rules: each problem of a venue as typed (ID format for a new venue, name required, texts at most 200 characters), with its field.';
