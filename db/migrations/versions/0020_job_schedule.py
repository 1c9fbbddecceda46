"""One schedule and one job engine: epi.job_schedule, job_run.parent_run, run_job's run id.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0020_job_schedule.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
