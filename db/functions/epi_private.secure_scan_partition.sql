/* why: a partition read directly bypasses epi.scan's policies, so each partition has RLS enabled
   and forced, no grant to any runtime role, and one policy that lets only the owner touch it, and
   only while it maintains partitions for ops or jobs (moving rows out of the default partition). */
create or replace function epi_private.secure_scan_partition(p_name text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  execute format('alter table epi.%I enable row level security, force row level security', p_name);
  execute format('drop policy if exists "Partitions are maintained only for ops or jobs" on epi.%I', p_name);
  execute format($p$create policy "Partitions are maintained only for ops or jobs" on epi.%I
                     as permissive for all to epi_owner
                     using ((select epi_private.caller_is('ops', 'jobs')))
                     with check ((select epi_private.caller_is('ops', 'jobs')))$p$, p_name);
  execute format('revoke all on epi.%I from public', p_name);
end
$$;
comment on function epi_private.secure_scan_partition(text) is 'Enable and force RLS on one scan partition; only partition maintenance may touch it directly.';
