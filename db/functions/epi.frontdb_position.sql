/* why: the sync reads the front table from just after the last key it took; only the jobs role
   may know or move that position, and only through these functions. */
create or replace function epi.frontdb_position(p_table text, p_key text) returns text
language plpgsql stable security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有系统任务可以读取前置库同步位置', 'jobs');
  return (select w.last_key from epi_private.frontdb_watermark w
           where w.front_table = p_table and w.key_column = p_key);
end
$$;
comment on function epi.frontdb_position(text, text) is 'The last key taken from a front-database table (NULL before the first batch).';
