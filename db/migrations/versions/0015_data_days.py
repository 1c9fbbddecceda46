"""Pages: the days with data in the whole city (epi_private.data_day), for 无数据 on per-day charts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0015_data_days.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
