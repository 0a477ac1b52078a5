"""Risk wiring: the database-backed guard-state store for the configured database."""

from __future__ import annotations

from tradegraph.core.clock import Clock
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.risk_state import SqlRiskStateStore
from tradegraph.risk.store import RiskStateStore


def risk_state_store(database: Database, clock: Clock) -> RiskStateStore:
    """Guard state in the database, transitions journalled in the same unit of work."""
    return SqlRiskStateStore(database, AuditJournal(database, clock), clock)


__all__ = ["risk_state_store"]
