"""Personal data 2 of 3: the audit log append-only and chained (seals, the chain's head and checkpoint).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0009_audit_chain.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
