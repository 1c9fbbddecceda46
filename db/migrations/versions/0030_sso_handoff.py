"""Sign-on from inside OA's frame (issue 45, point 4): the hand-off from a pop-up to the frame.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0030_sso_handoff.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
