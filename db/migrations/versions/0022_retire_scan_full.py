"""No unaudited full read: oa.scan_full and db.grant-oa --reveal retired.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0022_retire_scan_full.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
