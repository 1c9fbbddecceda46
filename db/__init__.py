"""Database of the supervision zone: connection settings, the embedded server, upgrades.

The SQL itself lives beside this package: schema/ (versioned, frozen once released:
migrations/released.sha256), functions/, views/ and security/ (one object per file, re-applied
after every upgrade by db/upgrade.py), jobs/ (the plain SQL statement each pg_cron job runs, read
by jobs/cron.py when it registers them: nothing there is applied to the database),
migrations/ (the alembic environment and revisions).
"""
