"""The SQL OrderStore passes the OrderStore conformance suite on SQLite and PostgreSQL,
keeps the audit chain valid under load, lets exactly one of two concurrent writers of
one version win, and writes state and journal in one transaction."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from tradegraph.bootstrap.execution import order_store
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError, StaleStateError, ValidationError
from tradegraph.execution.store import OrderStore, OrderUpdate
from tradegraph.model.order import Accepted, Canceled, Submitted
from tradegraph.persistence import Database
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.columns import ExactDecimal
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.persistence.repository import TenantRepository
from tradegraph.testing.order_store_contract import OTHER_TENANT, Journal, OrderStoreContract
from tradegraph.testing.orders import event_update, fill_update, make_fill, make_order, make_record
from tradegraph.testing.risk import T0


class TestSqlOrderStore(OrderStoreContract):
    @pytest.fixture(autouse=True)
    def _setup(self, migrated: Database, clock: TestClock) -> None:
        self.db = migrated
        self.audit = AuditJournal(migrated, clock)
        self.clock = clock
        with migrated.session() as session:
            TenantRepository(session, clock).create(OTHER_TENANT, "Acme", created_by="test")

    def make_store(self, tenant_id: str = "default") -> SqlOrderStore:
        return SqlOrderStore(self.db, self.audit, self.clock, tenant_id)

    def journal(self, store: OrderStore) -> Journal:
        return [
            (e.kind, e.payload)
            for e in self.audit.iter_entries()
            if e.tenant_id == store.tenant_id and e.kind.startswith("order.")
        ]


def _count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_it_satisfies_the_port(migrated: Database, clock: TestClock) -> None:
    assert isinstance(SqlOrderStore(migrated, AuditJournal(migrated, clock), clock), OrderStore)


def test_the_audit_chain_verifies_after_many_batched_and_single_updates(
    migrated: Database, clock: TestClock
) -> None:
    journal = AuditJournal(migrated, clock)
    store = SqlOrderStore(migrated, journal, clock)
    n = 120
    records = store.add([make_record(make_order(f"o-{i:04d}", quantity="2")) for i in range(n)])
    clock.advance(timedelta(seconds=1))
    claimed = store.update([event_update(r, Submitted(clock.now())) for r in records])
    accepted = store.update(
        [event_update(r, Accepted(clock.now(), f"v-{i}")) for i, r in enumerate(claimed)]
    )
    for i, record in enumerate(accepted):  # one fill per call, like a fill sync
        clock.advance(timedelta(milliseconds=10))
        fill = make_fill(f"t-{i}", record.order, quantity="1", time=clock.now())
        [accepted[i]] = store.update([fill_update(record, [fill])])
    store.update([event_update(r, Canceled(clock.now(), "done")) for r in accepted[: n // 2]])
    result = journal.verify()
    assert result.ok, result.problem
    assert result.count == n * 4 + n // 2
    assert journal.head().seq == result.count
    assert _count(migrated, "orders") == n
    assert _count(migrated, "order_fills") == n
    statuses = {r.status.value for r in store.find(limit=n)}
    assert statuses == {"canceled", "partially_filled"}
    assert store.net_positions("test") == {"BTC/USDT": Decimal(n)}


def test_concurrent_writers_of_one_version_have_exactly_one_winner(
    migrated: Database, clock: TestClock
) -> None:
    journal = AuditJournal(migrated, clock)
    stores = [SqlOrderStore(migrated, journal, clock) for _ in range(2)]
    rounds = 10
    records = stores[0].add([make_record(make_order(f"o-{i}")) for i in range(rounds)])
    for record in records:
        outcomes: list[str] = []
        start = threading.Barrier(2)

        def claim(
            store: SqlOrderStore,
            update: OrderUpdate,
            outcomes: list[str] = outcomes,
            start: threading.Barrier = start,
        ) -> None:
            start.wait()
            try:
                store.update([update])
                outcomes.append("won " + update.note)
            except StaleStateError:
                outcomes.append("stale")

        update = event_update(record, Submitted(T0))
        threads = [
            threading.Thread(target=claim, args=(store, replace(update, note=str(k))))
            for k, store in enumerate(stores)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(o.split()[0] for o in outcomes) == ["stale", "won"], outcomes
        stored = stores[0].get(record.client_order_id)
        assert stored is not None
        assert stored.version == 1
        winner = next(o for o in outcomes if o.startswith("won")).split()[1]
        entries = [
            e
            for e in journal.iter_entries()
            if e.payload["client_order_id"] == record.client_order_id
        ]
        assert [e.kind for e in entries] == ["order.created", "order.submitted"]
        assert entries[1].payload["note"] == winner
    assert journal.verify().ok


def test_state_and_journal_commit_together(migrated: Database, clock: TestClock) -> None:
    """A journal failure (the tenant was deleted) rolls the order rows back too."""
    with migrated.session() as session:
        TenantRepository(session, clock).create("gone", "Gone", created_by="test")
    journal = AuditJournal(migrated, clock)
    store = SqlOrderStore(migrated, journal, clock, "gone")
    [record] = store.add([make_record(tenant_id="gone")])
    with migrated.engine.begin() as conn:
        conn.execute(text("UPDATE tenants SET deleted_at = updated_at WHERE id = 'gone'"))
    with pytest.raises(NotFoundError, match="gone"):
        store.add([make_record(make_order("o-2"), tenant_id="gone")])
    with pytest.raises(NotFoundError, match="gone"):
        store.update([event_update(record, Submitted(T0))])
    assert store.get("o-2") is None
    assert store.get(record.client_order_id) == record
    assert _count(migrated, "orders") == 1
    assert journal.verify().count == 1


def test_orders_survive_a_new_database_handle(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    store = SqlOrderStore(migrated, journal, clock)
    [record] = store.add([make_record(make_order("o-1", quantity="0.123456789012345678"))])
    [record] = store.update([event_update(record, Submitted(T0), Accepted(T0, "v-1"))])
    fresh_db = Database(str(migrated.engine.url.render_as_string(hide_password=False)))
    try:
        fresh = SqlOrderStore(fresh_db, AuditJournal(fresh_db, clock), clock)
        assert fresh.get("o-1") == record
        assert str(record.order.quantity) == "0.123456789012345678"
    finally:
        fresh_db.dispose()


def test_soft_deleted_orders_are_hidden_and_their_ids_not_reused(
    migrated: Database, clock: TestClock
) -> None:
    store = SqlOrderStore(migrated, AuditJournal(migrated, clock), clock)
    store.add([make_record(make_order("o-1")), make_record(make_order("o-2"))])
    with migrated.engine.begin() as conn:
        conn.execute(
            text("UPDATE orders SET deleted_at = updated_at WHERE client_order_id = 'o-1'")
        )
    assert store.get("o-1") is None
    assert [r.client_order_id for r in store.find()] == ["o-2"]
    with pytest.raises(Exception, match="deleted"):
        store.add([make_record(make_order("o-1"))])


def test_a_large_batch_spans_several_in_lists(migrated: Database, clock: TestClock) -> None:
    store = SqlOrderStore(migrated, AuditJournal(migrated, clock), clock)
    n = 1203  # > 2 chunks of ids per IN (...) list
    records = store.add([make_record(make_order(f"o-{i}")) for i in range(n)])
    again = store.add(records)
    assert again == records
    updated = store.update([event_update(r, Submitted(T0)) for r in records])
    assert {r.version for r in updated} == {1}
    accepted = store.update([event_update(r, Accepted(T0, "v")) for r in updated])
    store.update([fill_update(r, [make_fill(f"t-{i}", r.order)]) for i, r in enumerate(accepted)])
    ids = [f"t-{i}" for i in range(n + 10)]
    assert len(store.known_trade_ids("test", ids)) == n
    assert len(store.find(limit=5000)) == n


@pytest.mark.parametrize(
    "dialect",
    [sqlite.dialect(), postgresql.dialect()],  # type: ignore[no-untyped-call]
)
@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), 1.5])
def test_decimal_columns_refuse_non_finite_and_float(dialect: object, bad: object) -> None:
    with pytest.raises(ValidationError, match="finite Decimal"):
        ExactDecimal().process_bind_param(bad, dialect)  # type: ignore[arg-type]


def test_an_update_without_events_is_journalled_with_its_note(
    migrated: Database, clock: TestClock
) -> None:
    journal = AuditJournal(migrated, clock)
    store = SqlOrderStore(migrated, journal, clock)
    [record] = store.add([make_record()])
    store.update([OrderUpdate(replace(record, send_attempts=1), note="probe")])
    last = journal.entries()[-1]
    assert (last.kind, last.actor, last.payload["note"]) == ("order.updated", "oms", "probe")


def test_bootstrap_wires_a_journalled_store(migrated: Database, clock: TestClock) -> None:
    store = order_store(migrated, clock)
    assert store.tenant_id == "default"
    store.add([make_record()])
    assert [e.kind for e in AuditJournal(migrated, clock).entries()] == ["order.created"]
