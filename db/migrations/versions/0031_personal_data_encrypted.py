"""Personal data stored as SM4-GCM ciphertext with keyed digests (issue 49, point 1).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0031_personal_data_encrypted.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
