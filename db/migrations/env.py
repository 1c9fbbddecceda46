"""Alembic environment. Run through `invoke db.upgrade` (db/upgrade.py), which hands over a
connection already acting as the owner role inside the upgrade's transaction."""
from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("请使用 `invoke db.upgrade` 运行数据库迁移（它会先创建角色，再以属主角色执行迁移）。")

context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema="epi_private",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
