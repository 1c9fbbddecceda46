"""Access audit: who queried, exported or revealed which scans, from where; no generic audit writer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from db.migrations import run_schema_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0005_access_audit.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
