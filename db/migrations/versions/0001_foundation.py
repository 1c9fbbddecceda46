"""Foundation: units, venues, monthly-partitioned scans, imports, daily counts, alerts, SMS
outbox, job runs, audit log, settings, OA login bindings.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from db.migrations import run_schema_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0001_foundation.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
