"""Database of the supervision zone: connection settings, the embedded server, upgrades.

The SQL itself lives beside this package: schema/ (versioned), functions/, views/, security/ and
jobs/ (re-applied after every upgrade), migrations/ (the alembic environment and revisions).
"""
