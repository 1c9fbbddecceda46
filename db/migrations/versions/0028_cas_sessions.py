"""Sign-on by CAS 3.0: a session keeps the hash of its service ticket for single logout.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0028_cas_sessions.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
