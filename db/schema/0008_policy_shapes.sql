/* Hardening (issue 19, point 1): queries aimed at another unit's rows must not read or remove
   them in any plan node (EXPLAIN ANALYZE as an OA login showed "Rows Removed by Filter"). The
   policies are now one per role, and the unit's condition is on the column each index leads with,
   so that it is an index condition beside the caller's own: every index a reader can be served by
   carries the column its policy tests.
   - epi.venue: the unit policy tests venue_id (the primary key); the unit_code index gets venue_id
     as its second column, so `unit_code = '<other unit>'` meets the policy inside the index.
   - epi.alert: the unit policy tests alert_id (the primary key); the venue and status indexes get
     alert_id as their second column. The no-overlap exclusion constraint's GiST index, which
     cannot search an array of alert ids, no longer has a venue_id column a query could be
     served by: it compares venue_id || '|' || reason (reason is one of two four-character values,
     so the pair is still compared exactly).
   - epi.scan: the unit policy tests venue_id (scan_venue_collected_idx leads with it); the scan_id
     and batch indexes get venue_id as their second column.
   Range queries over the primary key of epi.scan (collected_at) remain: docs/security.md. */
drop index epi.venue_unit_code_idx;
create index venue_unit_code_idx on epi.venue (unit_code, venue_id);

alter table epi.alert drop constraint alert_no_overlap;
alter table epi.alert add constraint alert_no_overlap exclude using gist (
  (venue_id || '|' || reason) with =, daterange(period_start, period_end, '[]') with &&);
comment on constraint alert_no_overlap on epi.alert is '同一场所同一原因的预警时间段不能重叠';
drop index epi.alert_venue_idx;
create index alert_venue_idx on epi.alert (venue_id, alert_id);
drop index epi.alert_status_idx;
create index alert_status_idx on epi.alert (status, alert_id);

drop index epi.scan_scan_id_idx;
create index scan_scan_id_idx on epi.scan (scan_id, venue_id);
drop index epi.scan_batch_idx;
create index scan_batch_idx on epi.scan (batch_id, venue_id);
