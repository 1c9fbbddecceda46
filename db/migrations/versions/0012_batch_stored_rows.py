"""Modules: each import batch's stored rows (epi.import_batch.stored_rows).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0012_batch_stored_rows.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
