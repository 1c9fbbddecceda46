"""Hardening: no default scan partition (months made before rows need them, attached without
locking readers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from db.migrations import run_schema_file

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0006_partitions_without_default.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
