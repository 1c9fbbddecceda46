"""The plaintext personal columns dropped once every row is encrypted (issue 49, point 4).

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
