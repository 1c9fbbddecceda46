"""Server-side web sessions: 退出 and the limits end every copy of the cookie.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0024_web_sessions.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
