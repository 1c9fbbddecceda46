-- name: foreign_batches
-- Imports the demo did not make: a database holding real imports is never given demo data.
select count(*) from epi.import_batch where imported_by <> %(account)s;

-- name: demo_hashes
-- The files the demo already imported (a half-done load resumes).
select file_hash from epi.import_batch where imported_by = %(account)s;

-- name: busiest_units
-- The demo's sign-in links: the two active units with the most venues.
select u.unit_code, u.unit_name
  from epi.unit u
 where u.active
 order by (select count(*) from epi.venue v where v.unit_code = u.unit_code) desc, u.unit_code
 limit 2;
