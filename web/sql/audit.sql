-- 审计日志 (web/audit.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: audit_list
-- The audit log for the audit menu (epi_auditor: no other role reads it), ordered and paged by
-- web.listing (newest first by default); a person is searched by the keyed hash of their ID number or phone.
select a.audit_id, a.at, a.account, a.account_name, a.unit_code, a.caller_kind, a.menu, a.action, a.row_count,
       host(a.client_addr) as client_addr, a.db_user, a.os_user, a.detail::text as detail, a.seal_seq
  from epi.audit_log a
 where (%(account)s::text is null or a.account = %(account)s)
   and (%(unit_code)s::text is null or a.unit_code = %(unit_code)s)
   and (%(action)s::text is null or a.action = %(action)s)
   and (%(at_from)s::timestamptz is null or a.at >= %(at_from)s)
   and (%(at_to)s::timestamptz is null or a.at < %(at_to)s)
   and (cardinality(%(hashes)s::text[]) = 0 or a.subject_hashes @> %(hashes)s::text[]);

-- name: audit_head
select head_seq, head_hash, hash_alg, unsealed from epi.audit_head();
