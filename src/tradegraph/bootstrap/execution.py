"""Execution wiring: the database-backed order store (the OMS outbox) for one tenant."""

from __future__ import annotations

from tradegraph.core.clock import Clock
from tradegraph.model.tenant import DEFAULT_TENANT_ID
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.orders import SqlOrderStore


def order_store(
    database: Database, clock: Clock, tenant_id: str = DEFAULT_TENANT_ID
) -> SqlOrderStore:
    """Orders and fills of ``tenant_id`` in the database, every change journalled in the
    same unit of work."""
    return SqlOrderStore(database, AuditJournal(database, clock), clock, tenant_id)


__all__ = ["order_store"]
