"""Scale: indexes for tracing one person (ID number, phone, a name's character pairs).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0013_tracing_indexes.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
