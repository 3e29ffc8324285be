"""Alembic environment: applies Leadline's migrations to the connection handed over by store.migrate."""

from alembic import context

from leadline.store.migrate import is_spanner
from leadline.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # Spanner cannot update a primary key column: its alembic_version keeps the one row under an empty key.
    version_table_pk=not is_spanner(connection),
)
with context.begin_transaction():
    context.run_migrations()
