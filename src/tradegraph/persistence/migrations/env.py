"""Alembic environment.

``Database.upgrade`` passes an open connection (inside its own transaction, holding the
migration lock) in ``config.attributes["connection"]``. From the Alembic CLI, the URL comes
from ``-x url=...`` (or ``sqlalchemy.url``) and a ``Database`` is opened for it, so the
same SQLite pragmas apply.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tradegraph.core.errors import MigrationError
from tradegraph.persistence.database import Database
from tradegraph.persistence.rows import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _cli_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise MigrationError(
            "No database URL given to the Alembic CLI.",
            hint="Pass -x url=sqlite:///path.db (or postgresql+psycopg://user@host/db).",
        )
    return url


def run_offline() -> None:
    context.configure(url=_cli_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    database = Database(_cli_url())
    try:
        with database.engine.begin() as conn:
            _run(conn)
    finally:
        database.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
