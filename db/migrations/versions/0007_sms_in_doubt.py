"""Hardening: texts in doubt (sent at most once), Retry-After, ops' confirmation or one re-send.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from db.migrations import run_schema_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0007_sms_in_doubt.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
