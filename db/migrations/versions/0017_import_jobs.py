"""Web imports in the database: epi.import_job (state and progress of each import started from the page); the units job.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
from db.migrations import run_schema_file

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0017_import_jobs.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
