"""Alembic environment: runs on the connection the application hands over (see database.py)."""

from __future__ import annotations

from alembic import context

from domain.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `careline db upgrade` (Database.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    user_module_prefix="careline_types.",
)
with context.begin_transaction():
    context.run_migrations()
