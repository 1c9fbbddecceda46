"""Scale: each import batch's stored rows per month (epi_private.batch_month), so a month's delete counts nothing.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""
from db.migrations import run_schema_file

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0018_batch_months.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
