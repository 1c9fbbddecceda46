"""batch_id leaves oa.scan (no batch side channel for OA logins).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0025_oa_scan_without_batch.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
