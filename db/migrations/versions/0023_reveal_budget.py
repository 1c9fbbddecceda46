"""A budget and a rate of revealed personal data, in the database.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0023_reveal_budget.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
