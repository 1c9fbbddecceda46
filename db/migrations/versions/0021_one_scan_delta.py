"""One delta path for what is derived from epi.scan: the old count triggers go.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0021_one_scan_delta.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
