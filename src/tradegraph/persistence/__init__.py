"""Persistence (layer 6): SQLAlchemy 2 rows, repositories, Alembic migrations and the
hash-chained audit journal, on SQLite (embedded default, WAL) or PostgreSQL.

Boundary: the only package that imports sqlalchemy and alembic. ORM rows never leave it:
repositories map them to immutable ``tradegraph.model`` values. Sessions are units of
work injected per use (``Database.session()``); backtests never touch the database.
"""

from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database, open_database
from tradegraph.persistence.migrate import MigrationState
from tradegraph.persistence.repository import (
    TenantRepository,
    TenantScopedRepository,
)

__all__ = [
    "AuditJournal",
    "Database",
    "MigrationState",
    "TenantRepository",
    "TenantScopedRepository",
    "open_database",
]
