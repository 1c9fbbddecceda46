"""One text per unit per day of sending: a queued text of a unit that got one today is skipped.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0026_sms_once_a_day.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
