"""Personal data 2 of 3: retention of scans (scan_retention_days) and of the audit log (audit_retention_days).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0010_retention.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
