"""Alembic revisions. Each revision runs one file of db/schema/ as it is (frozen once released)."""
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


def run_schema_file(name: str) -> None:
    from alembic import op

    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    # the psycopg connection itself: no bind-parameter parsing of ':' or '%' in the SQL
    op.get_bind().connection.driver_connection.execute(text)
