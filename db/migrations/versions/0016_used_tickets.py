"""Sessions and tickets: OA sign-on tickets are used once (epi_private.used_ticket).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0016_used_tickets.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
