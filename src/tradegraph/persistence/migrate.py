"""Applying and inspecting Alembic migrations in code (no ``alembic.ini`` needed).

Upgrades run in one transaction that first takes a migration lock (PostgreSQL: an
advisory transaction lock; SQLite: ``BEGIN IMMEDIATE``), so several processes opening
the same new database at once apply the migrations exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, text

from tradegraph.core.errors import MigrationError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory shipped inside the package."""

_PG_MIGRATION_LOCK = 0x7467_6D69_6772  # "tgmigr": key of the advisory lock held by upgrades


@dataclass(frozen=True, slots=True)
class MigrationState:
    """Where a database's schema is relative to this code's migrations."""

    current: str | None
    head: str
    up_to_date: bool


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for the packaged migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this code knows."""
    script = _scripts()
    heads = script.get_heads()
    if len(heads) != 1:
        raise MigrationError(
            f"The packaged migrations have {len(heads)} heads ({', '.join(heads)}); "
            "expected exactly one.",
            hint="Merge the branches with `alembic merge` before releasing.",
        )
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (``None`` for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def state_of(connection: Connection) -> MigrationState:
    head = head_revision()
    current = current_revision(connection)
    return MigrationState(current=current, head=head, up_to_date=current == head)


def _check_known(current: str | None, head: str) -> None:
    if current is None:
        return
    try:
        known = _scripts().get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise MigrationError(
            f"The database schema is at revision {current!r}, which this version of "
            f"tradegraph does not know (its newest is {head!r}).",
            hint="The database was migrated by a newer tradegraph: upgrade tradegraph, "
            "or point TRADEGRAPH_DATABASE_URL at another database.",
        )


def upgrade_in(connection: Connection, revision: str = "head") -> MigrationState:
    """Upgrade inside the caller's open transaction on ``connection`` and report the state."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    head = head_revision()
    _check_known(current_revision(connection), head)
    try:
        command.upgrade(alembic_config(connection), revision)
    except CommandError as exc:
        raise MigrationError(
            f"Alembic could not upgrade to {revision!r}: {exc}.",
            hint="Use 'head' or a revision id listed in the migrations directory.",
        ) from exc
    return state_of(connection)


__all__ = [
    "MIGRATIONS_DIR",
    "MigrationState",
    "alembic_config",
    "current_revision",
    "head_revision",
    "state_of",
    "upgrade_in",
]
