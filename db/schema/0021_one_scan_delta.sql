/* Issue 41, point 3: what is derived from epi.scan changes by one function
   (epi_private.apply_scan_delta), which one pair of statement triggers feeds
   (epi_private.tg_scan__derived, db/functions). The two pairs it replaces go, with their functions. */
drop trigger if exists tg_scan__count_insert on epi.scan;
drop trigger if exists tg_scan__count_delete on epi.scan;
drop trigger if exists tg_scan__batch_count_insert on epi.scan;
drop trigger if exists tg_scan__batch_count_delete on epi.scan;
drop function if exists epi_private.tg_scan__count();
drop function if exists epi_private.tg_scan__batch_count();
