"""Session wiring: the database-backed session and order stores for one tenant."""

from __future__ import annotations

from tradegraph.core.clock import Clock
from tradegraph.execution.store import OrderStore
from tradegraph.model.tenant import DEFAULT_TENANT_ID
from tradegraph.orchestrator.sessions.store import SessionStore
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.persistence.sessions import SqlSessionStore


def session_store(
    database: Database, clock: Clock, tenant_id: str = DEFAULT_TENANT_ID
) -> SessionStore:
    """Sessions, decisions and equity in the database, journalled in the same unit of work."""
    return SqlSessionStore(database, AuditJournal(database, clock), clock, tenant_id)


def portfolio_stores(
    database: Database, clock: Clock, tenant_id: str = DEFAULT_TENANT_ID
) -> tuple[SessionStore, OrderStore]:
    """The stores the portfolio read views need: sessions and orders (with fills)."""
    journal = AuditJournal(database, clock)
    return (
        SqlSessionStore(database, journal, clock, tenant_id),
        SqlOrderStore(database, journal, clock, tenant_id),
    )


__all__ = ["portfolio_stores", "session_store"]
