"""Open the database from settings and describe the installation (``tradegraph info``)."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

from tradegraph import __version__
from tradegraph.core.errors import PersistenceError
from tradegraph.persistence.database import Database, open_database
from tradegraph.settings import Settings

_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*(@)")


def mask_url(url: str) -> str:
    """Hide the password of a database URL for display."""
    return _PASSWORD.sub(r"\1***\2", url)


def open_database_from(settings: Settings, *, migrate: bool = True) -> Database:
    """The configured database.

    With ``migrate`` (the default, "first use"), pending migrations are applied. Without it
    the handle is returned as is, for commands that only inspect or explicitly upgrade.
    """
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate:
        return open_database(settings.resolved_database_url, auto_upgrade=True)
    return Database(settings.resolved_database_url)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    version: str
    python: str
    platform: str
    data_dir: Path
    catalog_dir: Path
    database_url: str
    schema_current: str | None
    schema_head: str | None
    schema_up_to_date: bool
    database_error: str | None


def system_info(settings: Settings) -> SystemInfo:
    """Version, paths, database and migration state. Read-only: applies no migration."""
    current: str | None = None
    head: str | None = None
    up_to_date = False
    error: str | None = None
    try:
        database = open_database_from(settings, migrate=False)
        try:
            state = database.migration_state()
            current, head, up_to_date = state.current, state.head, state.up_to_date
        finally:
            database.dispose()
    except PersistenceError as exc:
        error = str(exc)
    return SystemInfo(
        version=__version__,
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        data_dir=settings.data_dir.resolve(),
        catalog_dir=settings.catalog_dir.resolve(),
        database_url=mask_url(settings.resolved_database_url),
        schema_current=current,
        schema_head=head,
        schema_up_to_date=up_to_date,
        database_error=error,
    )


__all__ = ["SystemInfo", "mask_url", "open_database_from", "system_info"]
