"""Python around the nightly jobs: running them (`invoke jobs.run`), scheduling them (pg_cron or
`invoke scheduler`), and the SMS dispatcher. What counts as an alert, and who gets a text, is SQL
(db/functions/epi.job_*.sql); this package only calls it and talks to the SMS gateway."""
