"""The SQL RiskStateStore passes the RiskStateStore conformance suite on both backends,
and journals guard transitions atomically with the state write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError, PersistenceError
from tradegraph.model.audit import JSONValue
from tradegraph.persistence import Database
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.repository import TenantRepository
from tradegraph.persistence.risk_state import SqlRiskStateStore
from tradegraph.risk import DrawdownGuard, GuardMode, RiskConfig
from tradegraph.risk.guard import GuardTransition
from tradegraph.risk.store import guard_status, observe_equity, reset_guard
from tradegraph.testing.risk import T0, RiskStateStoreContract


class TestSqlRiskStateStore(RiskStateStoreContract):
    @pytest.fixture(autouse=True)
    def _setup(self, migrated: Database, clock: TestClock) -> None:
        self.db = migrated
        self.journal_ = AuditJournal(migrated, clock)
        self.clock = clock
        with migrated.session() as session:
            TenantRepository(session, clock).create("acme", "Acme", created_by="test")

    def make_store(self) -> SqlRiskStateStore:
        return SqlRiskStateStore(self.db, self.journal_, self.clock)

    def journal(
        self, store: object, tenant_id: str, strategy_id: str
    ) -> list[tuple[str, Mapping[str, JSONValue]]]:
        return [
            (e.kind, e.payload)
            for e in self.journal_.iter_entries()
            if e.tenant_id == tenant_id and e.payload.get("strategy_id") == strategy_id
        ]


def test_a_tripped_guard_survives_a_restart_and_needs_an_explicit_reset(
    migrated: Database, clock: TestClock
) -> None:
    journal = AuditJournal(migrated, clock)
    guard = DrawdownGuard(RiskConfig())
    store = SqlRiskStateStore(migrated, journal, clock)
    observe_equity(store, guard, "default", "s1", equity=Decimal(1000), now=T0)
    update = observe_equity(
        store, guard, "default", "s1", equity=Decimal(900), now=T0 + timedelta(minutes=5)
    )
    assert update.state.mode is GuardMode.HALTED
    # "restart": a new store on a new handle sees the same state
    fresh = SqlRiskStateStore(Database(str(migrated.engine.url)), journal, clock)
    assert guard_status(fresh, "default", "s1").mode is GuardMode.HALTED
    # recovering equity alone never leaves HALTED
    still = observe_equity(
        fresh, guard, "default", "s1", equity=Decimal(2000), now=T0 + timedelta(minutes=6)
    )
    assert still.state.mode is GuardMode.HALTED
    reset = reset_guard(
        fresh,
        guard,
        "default",
        "s1",
        equity=Decimal(2000),
        now=T0 + timedelta(minutes=7),
        actor="alice",
    )
    assert reset.state.mode is GuardMode.ACTIVE
    kinds = [
        e.payload["to"] for e in journal.iter_entries() if e.kind == GuardTransition.AUDIT_KIND
    ]
    assert kinds == ["halted", "active"]
    assert journal.verify().ok


def test_state_and_journal_commit_together(migrated: Database, clock: TestClock) -> None:
    """A journal failure (unknown tenant) rolls the state write back too."""
    journal = AuditJournal(migrated, clock)
    guard = DrawdownGuard(RiskConfig())
    store = SqlRiskStateStore(migrated, journal, clock)
    state = guard.start(Decimal(1000), T0)
    tripped = guard.observe(state, Decimal(900), T0 + timedelta(minutes=1))
    with pytest.raises((NotFoundError, PersistenceError)):
        store.save("ghost", "s1", tripped.state, tripped.transitions)
    assert store.load("ghost", "s1") is None
    assert journal.verify().count == 0


def test_corrupt_state_is_reported_clearly(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    store = SqlRiskStateStore(migrated, journal, clock)
    store.save("default", "s1", DrawdownGuard(RiskConfig()).start(Decimal(1), T0), [])
    with migrated.engine.begin() as con:
        con.exec_driver_sql("UPDATE risk_guard_states SET state = '{not json'")
    with pytest.raises(PersistenceError, match="not valid JSON"):
        store.load("default", "s1")
