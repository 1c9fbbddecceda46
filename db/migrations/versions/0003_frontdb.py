"""Provincial front-database sync: watermarks per front table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from db.migrations import run_schema_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0003_frontdb.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
