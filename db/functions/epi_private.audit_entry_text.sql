/* why: what an audit entry's hash covers, in one unambiguous text: every column written when the
   entry was made, each as its length in bytes, ':' and its text ('-' for NULL), joined by '|'.
   `invoke audit.verify` (jobs/audit.py, CONTENT_COLUMNS) builds the same text from the same casts
   outside the database; tests/jobs/test_audit_chain.py holds the two together. */
create or replace function epi_private.audit_entry_text(e epi.audit_log) returns text
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select concat_ws('|',
    epi_private.audit_field(e.audit_id::text),
    epi_private.audit_field(to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    epi_private.audit_field(e.account), epi_private.audit_field(e.action), epi_private.audit_field(e.detail::text),
    epi_private.audit_field(e.caller_kind), epi_private.audit_field(e.unit_code),
    epi_private.audit_field(e.account_name), epi_private.audit_field(e.menu),
    epi_private.audit_field(e.client_addr::text), epi_private.audit_field(e.db_user),
    epi_private.audit_field(e.os_user), epi_private.audit_field(e.row_count::text),
    epi_private.audit_field(array_to_string(e.subject_hashes, ',')))
$$;
comment on function epi_private.audit_entry_text(epi.audit_log) is 'The text an audit entry''s chain hash covers (every column written with the entry).';
