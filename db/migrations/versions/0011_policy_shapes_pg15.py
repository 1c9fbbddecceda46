"""Hardening: policy shapes that PostgreSQL 15's planner also keeps in the index (no unit_code index on epi.venue).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0011_policy_shapes_pg15.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
