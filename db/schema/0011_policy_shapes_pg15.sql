/* Hardening (issue 19, point 1) on PostgreSQL 15 and 16: their planner keeps a policy's array
   condition on an index's *second* column as a filter when it can (an ordered path; PostgreSQL 17
   searches it in the index), so `unit_code = '<another unit>'` over (unit_code, venue_id) removed
   that unit's venues by filter. epi.venue (a few thousand rows) loses its unit_code index: every
   query on it is served by the primary key, whose leading column the unit policy tests; the
   foreign key from epi.unit and the owner's unit lookups read the table whole (milliseconds). */
drop index epi.venue_unit_code_idx;
