"""Jobs: watermarks, dirty count days, SMS claims, alert window.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from db.migrations import run_schema_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0002_jobs.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
