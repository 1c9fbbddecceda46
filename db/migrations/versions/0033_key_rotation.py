"""Keys rotated while the zone runs: retired key versions, searches by both versions' digests (issue 50).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0033_key_rotation.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
