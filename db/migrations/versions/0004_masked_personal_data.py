"""Personal data: masked ID numbers, names and phones beside the values.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from db.migrations import run_schema_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0004_masked_personal_data.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
