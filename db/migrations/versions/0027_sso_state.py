"""Sign-on by OpenID Connect: the state of a sign-on under way, kept in the database.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""
from db.migrations import run_schema_file

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_schema_file("0027_sso_state.sql")


def downgrade() -> None:
    raise NotImplementedError("versioned migrations are not reversed; restore a backup instead")
