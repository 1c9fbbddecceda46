/* why: the name index (GIN on name_grams, the keyed digests of the name's substrings) takes new rows into its pending list
   (fastupdate) and merges the list into its tree only when it passes gin_pending_list_limit or
   at (auto)vacuum. Until then every name search reads the whole list: right after a 200,000-row
   import, one search as ops took 40 ms against 13 ms once the list was merged (the bench's
   one-person-name condition as ops went to 2.2–3.9× the first page at 8 clients). An import ends
   by merging the lists of the months it wrote (443 pages, 0.28 s for that file), in its own
   transaction, so the searches that follow it never pay for them. Security definer: merging
   needs the index's owner; it changes no row and returns the pages merged. Ops and jobs only
   (epi.import_batch's and epi_private.batch_month's policies: another caller sees no month). */
create or replace function epi.merge_name_pending(p_batch bigint) returns bigint
language sql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(sum(gin_clean_pending_list(i.inhrelid::regclass)), 0)::bigint
    from epi_private.batch_month m
    join pg_index x
      on x.indrelid = to_regclass(format('epi.%I', epi.scan_partition_name(m.month)))
    join pg_inherits i
      on i.inhrelid = x.indexrelid and i.inhparent = 'epi.scan_name_grams_idx'::regclass
   where m.batch_id = p_batch
     and (select epi_private.current_kind()) in ('ops', 'jobs');
$$;
comment on function epi.merge_name_pending(bigint) is 'Merge the pending lists of the name index of the months an import wrote (its end), so that name searches do not read them; the pages merged.';
