"""The in-memory OrderStore passes the OrderStore conformance suite, is safe to share
between threads, and can inject a failed write."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import PersistenceError, StaleStateError
from tradegraph.execution.store import OrderStore
from tradegraph.model.order import Accepted, Submitted
from tradegraph.testing.order_store_contract import Journal, OrderStoreContract
from tradegraph.testing.orders import InMemoryOrderStore, event_update, make_order, make_record
from tradegraph.testing.risk import T0


class TestInMemoryOrderStore(OrderStoreContract):
    @pytest.fixture(autouse=True)
    def _setup(self) -> None:
        self.base = InMemoryOrderStore("default", TestClock(T0))

    def make_store(self, tenant_id: str = "default") -> InMemoryOrderStore:
        return self.base.for_tenant(tenant_id)

    def journal(self, store: OrderStore) -> Journal:
        assert isinstance(store, InMemoryOrderStore)
        return [(entry.kind, entry.payload) for entry in store.journal]


def test_it_satisfies_the_port() -> None:
    assert isinstance(InMemoryOrderStore("default", TestClock(T0)), OrderStore)


def test_an_injected_failure_writes_nothing() -> None:
    store = InMemoryOrderStore("default", TestClock(T0))
    store.fail_next_write = True
    with pytest.raises(PersistenceError, match="injected"):
        store.add([make_record()])
    assert store.get("o-1") is None
    assert store.journal == []
    [record] = store.add([make_record()])
    assert store.fail_next_write is False
    assert store.journal[0].time == T0
    assert record.version == 0


def test_concurrent_updates_of_one_version_have_one_winner() -> None:
    store = InMemoryOrderStore("default", TestClock(T0))
    [record] = store.add([make_record(make_order("o-1"))])
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def claim(n: int) -> None:
        update = event_update(record, Submitted(T0))
        update = replace(update, note=f"writer {n}")
        start.wait()
        try:
            store.update([update])
            outcomes.append("won")
        except StaleStateError:
            outcomes.append("stale")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale"] * 7 + ["won"]
    stored = store.get("o-1")
    assert stored is not None
    assert stored.version == 1
    assert [e.kind for e in store.journal] == ["order.created", "order.submitted"]
    [after] = store.update([event_update(stored, Accepted(T0, "v-1"))])
    assert after.version == 2
