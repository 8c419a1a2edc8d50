"""Alembic's entry point: runs the migrations on the connection `upgrade_schema` hands over."""

from __future__ import annotations

from alembic import context

from medpages.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the medpages migrations through medpages.store.database.upgrade_schema")

# Batch mode lets later migrations alter columns on SQLite, which has no ALTER COLUMN.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
