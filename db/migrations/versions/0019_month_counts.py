"""Scale: each venue's scans per month (epi_private.month_count), so a range's statistics read whole months at once.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""
from db.migrations import run_schema_file

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0019_month_counts.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
