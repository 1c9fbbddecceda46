/* why: a batch of the front-database sync and the move of its watermark commit together, so a
   crash anywhere in a batch leaves both as they were and the next run takes the same rows again:
   no row twice, no row lost. Compare-and-set: if the position is no longer p_from (another sync
   got there first) the batch is refused and rolled back. Refused too while the sync is switched
   off, so file imports and sync batches never mix. */
create or replace function epi.frontdb_advance(p_table text, p_key text, p_from text, p_to text, p_rows bigint)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform epi_private.require_kind('只有系统任务可以推进前置库同步位置', 'jobs');
  if not epi.frontdb_sync_enabled() then
    raise exception '前置库同步未启用，本批次未写入'
      using errcode = 'object_not_in_prerequisite_state',
            hint = '由管理员运行 invoke sync.enable 启用（启用后文件导入和批量删除将停用）。';
  end if;
  if p_to is null or p_rows is null or p_rows < 0 then
    raise exception '前置库同步位置无效' using errcode = 'invalid_parameter_value';
  end if;
  if p_from is null then
    insert into epi_private.frontdb_watermark (front_table, key_column, last_key, rows_taken)
    values (p_table, p_key, p_to, p_rows)
    on conflict do nothing;
  else
    update epi_private.frontdb_watermark
       set last_key = p_to, rows_taken = rows_taken + p_rows, updated_at = now()
     where front_table = p_table and key_column = p_key and last_key = p_from;
  end if;
  if not found then
    raise exception '前置库表 % 的同步位置已被另一次同步推进，本批次已撤销', p_table
      using errcode = 'serialization_failure';
  end if;
end
$$;
comment on function epi.frontdb_advance(text, text, text, text, bigint) is
  'Move a front table''s watermark from p_from to p_to (compare-and-set), in the batch''s transaction.';
