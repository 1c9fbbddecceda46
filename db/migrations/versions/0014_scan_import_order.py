"""Lists: the scan lists' second order, 数据导入时间 (an index on imported_at, scan_id).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from db.migrations import run_schema_file

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0014_scan_import_order.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
