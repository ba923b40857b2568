"""Alembic's environment: run the migrations on the connection `migrate` hands over.

There is no alembic.ini: `workshop.persistence.migrate` builds the configuration and passes
its connection, already inside the one transaction the whole upgrade runs in, as
`config.attributes["connection"]`. The app's models are not imported; each migration spells
out its own tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection


def run_migrations_online() -> None:
    """Run the pending migrations on the caller's connection and in its transaction."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "Run the migrations through workshop.persistence.migrate.upgrade(engine), which "
            'passes its connection as config.attributes["connection"].'
        )
    # `migrate` holds one transaction around everything, SQLite included (its DDL is
    # transactional), so Alembic opens none of its own.
    context.configure(
        connection=connection,
        target_metadata=None,
        render_as_batch=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (--sql) migrations are not supported: 0002 migrates data.")
run_migrations_online()
