/* Issue 23: the scan lists sort by 数据导入时间 as well as by 采集时间, in either direction, keyset-paged.
   采集时间 is the partition key and the primary key's first column, so its pages are an ordered
   Append of the partitions' primary keys; 数据导入时间 needs its own index to be a Merge Append of
   the partitions' indexes instead of a sort of every scan of the unit (2.8 s at 10M scans). Its keys
   arrive in increasing order (an import's time, then the scan_id sequence), so an import adds them
   at the index's right edge, the cheapest case for a btree. venue_id last: when the planner reads
   this index for another condition (PostgreSQL 18 skips through its leading columns, e.g. for one
   scan_id in a small table), the unit policy is an index condition and another unit's row is never
   read from the heap (tests/db/test_plan_side_channel.py). */
create index scan_imported_idx on epi.scan (imported_at, scan_id, venue_id);
