"""SqlSessionStore passes the SessionStore conformance suite on SQLite and PostgreSQL,
and keeps the database-specific promises: steps are journalled in the same unit of work
(the chain verifies), nothing half-written survives a failure, and state survives a new
process's handle on the database."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import StaleStateError, ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.orchestrator.sessions import SessionStatus, SessionStore
from tradegraph.orchestrator.sessions.store import KIND_STEP
from tradegraph.persistence import Database
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.repository import TenantRepository
from tradegraph.persistence.rows import EquitySnapshotRow, SessionDecisionRow, SessionRow
from tradegraph.persistence.sessions import SqlSessionStore
from tradegraph.testing.risk import T0
from tradegraph.testing.sessions import (
    SessionStoreContract,
    make_decision,
    make_equity,
    make_session_options,
    make_session_spec,
)


class TestSqlSessionStore(SessionStoreContract):
    @pytest.fixture(autouse=True)
    def _db(self, migrated: Database, clock: TestClock) -> None:
        self.db = migrated
        self.clock = clock

    def make_store(self) -> SessionStore:
        return SqlSessionStore(self.db, AuditJournal(self.db, self.clock), self.clock)

    def journal(self, store: SessionStore) -> list[tuple[str, Mapping[str, JSONValue]]]:
        return [
            (e.kind, e.payload)
            for e in AuditJournal(self.db, self.clock).iter_entries()
            if e.kind.startswith("session.") and e.tenant_id == store.tenant_id
        ]

    def other_tenant(self, store: SessionStore, tenant_id: str) -> SessionStore:
        with self.db.session() as session:
            repo = TenantRepository(session, self.clock)
            if repo.find(tenant_id) is None:
                repo.create(tenant_id, tenant_id.title(), created_by="test")
        return SqlSessionStore(self.db, AuditJournal(self.db, self.clock), self.clock, tenant_id)


def _store(db: Database, clock: TestClock) -> SqlSessionStore:
    return SqlSessionStore(db, AuditJournal(db, clock), clock)


def test_steps_chain_in_the_audit_journal_and_survive_a_new_handle(
    migrated: Database, database_url: str, clock: TestClock
) -> None:
    store = _store(migrated, clock)
    store.create(make_session_spec())
    state = store.save_state(store.get_state("s1").started("host:1:x", T0))
    for hour in range(1, 4):
        bar = T0 + timedelta(hours=hour)
        state = store.record_step(
            "s1",
            bar,
            make_decision("s1", bar, order_ids=(f"c{hour}",)),
            make_equity("s1", bar, f"10000.{hour:02d}"),
            state.stepped(bar, bar),
        )
    with Database(database_url) as fresh:
        reopened = _store(fresh, clock)
        assert reopened.get_state("s1") == state
        assert reopened.get_spec("s1") == make_session_spec()
        equity = [e.equity for e in reopened.equity("s1")]
        assert equity == [Decimal("10000.01"), Decimal("10000.02"), Decimal("10000.03")]
        verification = AuditJournal(fresh, clock).verify()
    assert verification.ok
    kinds = [e.kind for e in AuditJournal(migrated, clock).iter_entries()]
    assert kinds.count(KIND_STEP) == 3


def test_a_failed_step_leaves_no_rows_behind(migrated: Database, clock: TestClock) -> None:
    store = _store(migrated, clock)
    store.create(make_session_spec())
    state = store.save_state(store.get_state("s1").started("host:1:x", T0))
    bar = T0 + timedelta(hours=1)
    store.request_stop("s1")
    with pytest.raises(StaleStateError):
        store.record_step(
            "s1", bar, make_decision("s1", bar), make_equity("s1", bar), state.stepped(bar, bar)
        )
    with migrated.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(SessionDecisionRow)) == 0
        assert session.scalar(select(func.count()).select_from(EquitySnapshotRow)) == 0
    assert store.get_state("s1").status is SessionStatus.STOPPING


def test_concurrent_creates_of_one_session_store_it_once(
    migrated: Database, clock: TestClock
) -> None:
    store = _store(migrated, clock)
    results: list[object] = []

    def create() -> None:
        try:
            results.append(store.create(make_session_spec()))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == results[0] for r in results), results
    kinds = [e.kind for e in AuditJournal(migrated, clock).iter_entries()]
    assert kinds.count("session.created") == 1


def test_options_are_stored_as_a_typed_object_and_unknown_keys_are_refused(
    migrated: Database, clock: TestClock
) -> None:
    store = _store(migrated, clock)
    spec = make_session_spec(options=make_session_options())
    store.create(spec)
    with migrated.session(read_only=True) as session:
        stored = json.loads(session.scalars(select(SessionRow.spec)).one())
    assert stored["options"] == make_session_options().to_dict()
    assert stored["params"] == {"fast": 10, "slow": 30}
    assert store.get_spec("s1") == spec

    edited = {**stored, "options": {**stored["options"], "stops": "atr"}}
    with migrated.session() as session:
        session.execute(update(SessionRow).values(spec=json.dumps(edited)))
    with pytest.raises(ValidationError, match=r"Unknown session option\(s\): stops"):
        store.get_spec("s1")
    with migrated.session() as session:
        session.execute(update(SessionRow).values(spec=json.dumps({**stored, "mode": "both"})))
    with pytest.raises(ValidationError, match=r"Session spec 's1' has unknown key\(s\) mode\."):
        store.get_spec("s1")
