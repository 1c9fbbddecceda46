/* counts_full: what pg_cron or psql runs for this job (as the jobs role). epi.run_job records the run, takes the job's lock and, for the early morning of today in Asia/Shanghai, evaluates days up to yesterday. */
call epi.run_job('counts_full');
