"""Hardening: policy shapes — every index a reader can be served by carries the column its policy tests.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0008_policy_shapes.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
