/* why: the threshold rules (an integer ≥ 0 that fits the column, minimum ≤ maximum) are written
   once, here. The venue trigger raises the first problem; the pages, the API and the venue loader
   ask this function before they write, so that every field (every row of a file) gets its message
   at once. Input is text as a person typed it or a cell holds it ('5', ' 5 ', '+5', '5.0', and
   full-width digits '５' read as their NFKC form, issue 47). */
create or replace function epi.threshold_problems(p_flow_min text, p_flow_max text)
returns table (field text, message text, cell_message text, constraint_name text)
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
  with given (field, label, raw, constraint_name) as (
    values ('flow_min', '场所日人流量阈值（最小值）', nullif(btrim(normalize(p_flow_min, NFKC), E' \t\r\n'), ''),
            'venue_flow_min_nonnegative'),
           ('flow_max', '场所日人流量阈值（最大值）', nullif(btrim(normalize(p_flow_max, NFKC), E' \t\r\n'), ''),
            'venue_flow_max_nonnegative')
  ), limits (max) as (
    select l.value from epi.rule_limits() l where l.rule = 'threshold_max'
  ), parsed as (
    select g.field, g.label, g.constraint_name,
           case when g.raw ~ '^\+?[0-9]{1,30}(\.0*)?$' then g.raw::numeric end as n
      from given g
     where g.raw is not null
  ), problems (ord, field, message, cell_message, constraint_name) as (
    select 1, p.field, p.label || '必须是不小于0的整数', '必须是不小于0的整数', p.constraint_name
      from parsed p where p.n is null
    union all
    select 1, p.field, p.label || '不能超过 ' || l.max, '不能超过 ' || l.max, p.constraint_name
      from parsed p, limits l where p.n > l.max
    union all
    select 2, 'flow_min',
           format('场所日人流量阈值（最小值）不能大于最大值（最小值 %s，最大值 %s）', trunc(lo.n), trunc(hi.n)),
           format('最小值 %s 不能大于最大值 %s', trunc(lo.n), trunc(hi.n)), 'venue_flow_min_le_max'
      from parsed lo join parsed hi on lo.field = 'flow_min' and hi.field = 'flow_max', limits l
     where lo.n <= l.max and hi.n <= l.max and lo.n > hi.n
  )
  select field, message, cell_message, constraint_name from problems order by ord, field = 'flow_max'
$$;
comment on function epi.threshold_problems(text, text) is
  'The venue threshold rules: each problem of a (flow_min, flow_max) pair, with its field, a message naming the field, a shorter one for a cell whose column is named, and the constraint it stands for.';
