"""Menus from OA's role export (issue 45, point 2): the grants table; sessions that read it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0029_menu_grants.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
