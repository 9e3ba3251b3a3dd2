"""Alembic's environment: always run with the connection `upgrade()` hands over (no URL here)."""

from __future__ import annotations

from alembic import context

from assistant.feedback import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `assistant.migrations.upgrade` runs Alembic
    raise RuntimeError("run migrations through assistant.migrations.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
