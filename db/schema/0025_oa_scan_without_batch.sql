/* Issue 44, point 7: batch_id leaves oa.scan (SPEC 8 does not list it). An OA login's plan for
   `oa.scan where batch_id = <another unit's batch>` read other rows than one aimed at no batch: a
   side channel on which batches exist. The view is dropped here (CREATE OR REPLACE cannot remove a
   column) and made again, without it, by db/views/oa.scan.sql; its grants by grant_reader. */
drop view if exists oa.scan;
