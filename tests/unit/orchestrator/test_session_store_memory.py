"""The in-memory SessionStore passes the SessionStore conformance suite."""

from __future__ import annotations

from collections.abc import Mapping

from tradegraph.model.audit import JSONValue
from tradegraph.orchestrator.sessions import SessionStore
from tradegraph.testing.sessions import InMemorySessionStore, SessionStoreContract


class TestInMemorySessionStore(SessionStoreContract):
    def make_store(self) -> SessionStore:
        return InMemorySessionStore()

    def journal(self, store: SessionStore) -> list[tuple[str, Mapping[str, JSONValue]]]:
        assert isinstance(store, InMemorySessionStore)
        return [(e.kind, e.payload) for e in store.journal if e.tenant_id == store.tenant_id]

    def other_tenant(self, store: SessionStore, tenant_id: str) -> SessionStore:
        assert isinstance(store, InMemorySessionStore)
        return store.for_tenant(tenant_id)

    def test_store_satisfies_the_port(self) -> None:
        assert isinstance(InMemorySessionStore(), SessionStore)
