"""The plaintext personal columns leave epi.scan; records stored before encryption wait in epi_private.scan_plaintext (issues 49 and 50).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0032_drop_plaintext.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
