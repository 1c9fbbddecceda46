-- Revealing one record's personal data (web/reveal.py).
-- web/db.py loads every file of web/sql into one set of named queries (a name is used once).

-- name: reveal_scans
-- Scan records in full (those of the ids the caller may see), with the reason; audited by the database.
-- The personal values come as ciphertext (issue 49): web/reveal.py decrypts them after the commit.
select * from epi.reveal_scans(%(scan_ids)s, %(reason)s, %(export)s, %(conditions)s::jsonb, %(hashes)s::text[]);

-- name: export_scans_full
-- An export with full personal data, narrow (one ID number or phone, or one venue within 24 hours;
-- at most 5,000 rows), its condition checked and run by the database; audited there.
select * from epi.export_scans_full(%(id_card)s::bigint[], %(phone)s::bigint[], %(venue_id)s, %(collected_from)s, %(collected_to)s,
                                    %(reason)s, %(conditions)s::jsonb, %(hashes)s::text[], %(plain)s::jsonb);

-- name: scan_visible
select 1 from oa.scan where scan_id = %(scan_id)s;

-- name: scan_unit_name
-- 监管单位 of a revealed record (the query's 18th field; the reveal function answers the record's own 17)
select unit_name from oa.scan where scan_id = %(scan_id)s;

-- name: reveal_refused
-- The message of a reveal or unmasked export the database refused for the budget or rate in this
-- transaction ('' when none; epi_private.reveal_spend wrote its audit entry).
select coalesce(current_setting('epi.refused', true), '') as message;
