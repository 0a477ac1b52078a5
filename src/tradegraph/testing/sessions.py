"""Session test kit: an in-memory ``SessionStore`` and its conformance suite (builders
are in ``session_builders``, re-exported here; a seeded history in ``paper_history``).

``InMemorySessionStore`` behaves like ``tradegraph.persistence.sessions.SqlSessionStore``:
same validation, versions, idempotence and journal kinds/payloads (``journal``). Several
stores can share one backend (``for_tenant``) to test tenant isolation. Thread-safe.

``SessionStoreContract`` is a plain class of ``test_*`` methods (no pytest import):
subclass it as ``TestMyStore`` and implement ``make_store``, ``journal`` and
``other_tenant`` to run the same suite against any implementation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar

from tradegraph.core.clock import Clock, TestClock
from tradegraph.core.errors import NotFoundError, StaleStateError, ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Direction
from tradegraph.model.tenant import DEFAULT_TENANT_ID, check_tenant_id
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionInfo,
    SessionSpec,
    SessionState,
    SessionStatus,
    check_session_id,
)
from tradegraph.orchestrator.sessions.store import (
    KIND_CREATED,
    KIND_STATUS,
    KIND_STEP,
    KIND_STOP_REQUESTED,
    SESSION_ACTOR,
    SessionStore,
    check_page,
    check_step,
    created_payload,
    status_payload,
    step_payload,
    stop_target,
)
from tradegraph.testing.risk import T0
from tradegraph.testing.session_builders import (
    make_decision,
    make_equity,
    make_session_options,
    make_session_spec,
)

# --- the fake ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionJournalEntry:
    tenant_id: str
    kind: str
    actor: str
    payload: Mapping[str, JSONValue]


@dataclass
class _Backend:
    lock: threading.Lock = field(default_factory=threading.Lock)
    specs: dict[tuple[str, str], SessionSpec] = field(default_factory=dict)
    states: dict[tuple[str, str], SessionState] = field(default_factory=dict)
    decisions: dict[tuple[str, str], dict[datetime, DecisionRecord]] = field(default_factory=dict)
    equity: dict[tuple[str, str], dict[datetime, EquitySnapshot]] = field(default_factory=dict)
    journal: list[SessionJournalEntry] = field(default_factory=list)


class InMemorySessionStore:
    """A dict-backed ``SessionStore``; ``journal`` lists its audit entries."""

    def __init__(
        self,
        clock: Clock | None = None,
        tenant_id: str = DEFAULT_TENANT_ID,
        *,
        _backend: _Backend | None = None,
    ) -> None:
        self._clock: Clock = clock or TestClock(T0)
        self._tenant_id = check_tenant_id(tenant_id)
        self._b = _backend or _Backend()

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    def for_tenant(self, tenant_id: str) -> InMemorySessionStore:
        """A store of another tenant on the same data."""
        return InMemorySessionStore(self._clock, tenant_id, _backend=self._b)

    @property
    def journal(self) -> list[SessionJournalEntry]:
        with self._b.lock:
            return list(self._b.journal)

    # -- helpers (call with the lock held) ----------------------------------------------------

    def _key(self, session_id: str) -> tuple[str, str]:
        return (self._tenant_id, check_session_id(session_id))

    def _state(self, session_id: str) -> SessionState:
        state = self._b.states.get(self._key(session_id))
        if state is None:
            raise NotFoundError(
                f"No session {session_id!r} for tenant {self._tenant_id!r}.",
                hint="List sessions with `tradegraph paper status`.",
            )
        return state

    def _append(self, kind: str, payload: Mapping[str, JSONValue], actor: str) -> None:
        self._b.journal.append(SessionJournalEntry(self._tenant_id, kind, actor, dict(payload)))

    def _bump(self, stored: SessionState, new: SessionState) -> SessionState:
        if new.version != stored.version:
            raise StaleStateError(
                f"Session {new.session_id!r} changed since version {new.version} was read "
                f"(it is at version {stored.version}).",
                hint="Reload it with get_state() and re-apply the change.",
            )
        return replace(new, version=stored.version + 1, updated_at=self._clock.now())

    # -- the port -------------------------------------------------------------------------

    def create(self, spec: SessionSpec) -> SessionState:
        if spec.tenant_id != self._tenant_id:
            raise ValidationError(
                f"Session {spec.session_id!r} is for tenant {spec.tenant_id!r}, but this "
                f"store is scoped to {self._tenant_id!r}.",
                hint="Use the store of the spec's tenant.",
            )
        key = self._key(spec.session_id)
        with self._b.lock:
            existing = self._b.specs.get(key)
            if existing is not None:
                if existing != spec:
                    raise ValidationError(
                        f"Session {spec.session_id!r} already exists with a different spec.",
                        hint="Pick a new session id, or resume the existing session.",
                    )
                return self._b.states[key]
            state = SessionState(spec.session_id, version=1, updated_at=self._clock.now())
            self._b.specs[key] = spec
            self._b.states[key] = state
            self._b.decisions[key] = {}
            self._b.equity[key] = {}
            self._append(KIND_CREATED, created_payload(spec), SESSION_ACTOR)
            return state

    def get_spec(self, session_id: str) -> SessionSpec:
        with self._b.lock:
            self._state(session_id)
            return self._b.specs[self._key(session_id)]

    def get_state(self, session_id: str) -> SessionState:
        with self._b.lock:
            return self._state(session_id)

    def list_sessions(
        self,
        *,
        statuses: Collection[SessionStatus] | None = None,
        strategy_id: str | None = None,
    ) -> list[SessionInfo]:
        with self._b.lock:
            out = [
                SessionInfo(spec, self._b.states[key])
                for key, spec in self._b.specs.items()
                if key[0] == self._tenant_id
                and (statuses is None or self._b.states[key].status in statuses)
                and (strategy_id is None or spec.strategy_id == strategy_id)
            ]
        return sorted(out, key=lambda i: (i.spec.created_at, i.spec.session_id))

    def save_state(self, state: SessionState) -> SessionState:
        with self._b.lock:
            stored = self._state(state.session_id)
            new = self._bump(stored, state)
            self._b.states[self._key(state.session_id)] = new
            if new.status is not stored.status:
                self._append(
                    KIND_STATUS, status_payload(new.session_id, stored.status, new), SESSION_ACTOR
                )
            return new

    def record_step(
        self,
        session_id: str,
        bar_time: datetime,
        decision: DecisionRecord | None,
        equity: EquitySnapshot | None,
        new_state: SessionState,
    ) -> SessionState:
        with self._b.lock:
            stored = self._state(session_id)
            check_step(
                session_id,
                bar_time,
                decision=decision,
                equity=equity,
                new_state=new_state,
                stored_cursor=stored.cursor,
            )
            new = self._bump(stored, new_state)
            key = self._key(session_id)
            self._b.states[key] = new
            if decision is not None:
                self._b.decisions[key][decision.bar_time] = decision
            if equity is not None:
                self._b.equity[key][equity.time] = equity
            self._append(
                KIND_STEP, step_payload(session_id, bar_time, decision, equity, new), SESSION_ACTOR
            )
            if new.status is not stored.status:
                self._append(
                    KIND_STATUS, status_payload(session_id, stored.status, new), SESSION_ACTOR
                )
            return new

    def request_stop(self, session_id: str, *, actor: str = "operator") -> SessionState:
        with self._b.lock:
            stored = self._state(session_id)
            target = stop_target(stored.status)
            if target is None:
                return stored
            new = self._bump(stored, replace(stored, status=target))
            self._b.states[self._key(session_id)] = new
            self._append(
                KIND_STOP_REQUESTED,
                {"session_id": session_id, "from": stored.status.value, "to": target.value},
                actor,
            )
            return new

    def decisions(
        self, session_id: str, *, limit: int = 100, offset: int = 0, newest_first: bool = False
    ) -> list[DecisionRecord]:
        check_page(limit, offset)
        with self._b.lock:
            self._state(session_id)
            records = sorted(
                self._b.decisions[self._key(session_id)].values(),
                key=lambda d: d.bar_time,
                reverse=newest_first,
            )
        return records[offset : offset + limit]

    def equity(self, session_id: str, *, since: datetime | None = None) -> list[EquitySnapshot]:
        with self._b.lock:
            self._state(session_id)
            snapshots = self._b.equity[self._key(session_id)]
            return [snapshots[t] for t in sorted(snapshots) if since is None or t >= since]


# --- conformance suite -------------------------------------------------------------------

E = TypeVar("E", bound=Exception)


def _raises(kind: type[E], call: Callable[[], object]) -> E:
    """The ``kind`` exception ``call`` raises (AssertionError when it raises none)."""
    try:
        call()
    except kind as exc:
        return exc
    raise AssertionError(f"expected {kind.__name__}")  # pragma: no cover


class SessionStoreContract:
    """Behaviour every ``SessionStore`` must have. Subclass as ``Test...``."""

    def make_store(self) -> SessionStore:  # pragma: no cover - overridden
        """A store of the ``default`` tenant on an empty backend."""
        raise NotImplementedError

    def journal(
        self, store: SessionStore
    ) -> list[tuple[str, Mapping[str, JSONValue]]]:  # pragma: no cover - overridden
        """(kind, payload) of the ``session.*`` entries of ``store``'s tenant, oldest first."""
        raise NotImplementedError

    def other_tenant(
        self, store: SessionStore, tenant_id: str
    ) -> SessionStore:  # pragma: no cover - overridden
        """A store of ``tenant_id`` (created if needed) on the same backend as ``store``."""
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------

    def _running(
        self, store: SessionStore, session_id: str = "s1", created_at: datetime = T0
    ) -> SessionState:
        store.create(make_session_spec(session_id, created_at=created_at))
        state = store.get_state(session_id)
        return store.save_state(state.started("host:1:abc", T0))

    def _step(
        self, store: SessionStore, state: SessionState, hours: int, **decision: object
    ) -> SessionState:
        bar = T0 + timedelta(hours=hours)
        sid = state.session_id
        return store.record_step(
            sid,
            bar,
            make_decision(sid, bar, **decision),  # type: ignore[arg-type]
            make_equity(sid, bar, str(10_000 + hours)),
            state.stepped(bar, bar + timedelta(hours=1)),
        )

    # -- create / get ---------------------------------------------------------------------

    def test_create_then_get_round_trips_spec_and_initial_state(self) -> None:
        store = self.make_store()
        spec = make_session_spec(options=make_session_options())
        state = store.create(spec)
        assert state.status is SessionStatus.CREATED
        assert state.cursor is None
        assert state.bars_processed == 0
        assert state.version >= 1
        assert store.get_spec("s1") == spec
        assert store.get_state("s1") == state
        assert store.get_spec("s1").venue.commission_pct == Decimal("0.001")
        assert store.get_spec("s1").risk_config().leverage == Decimal(2)
        assert store.get_spec("s1").options == make_session_options()
        assert store.get_spec("s1").params == {"fast": 10, "slow": 30}

    def test_create_is_idempotent_and_refuses_a_different_spec(self) -> None:
        store = self.make_store()
        spec = make_session_spec()
        first = store.create(spec)
        assert store.create(spec) == first
        assert [k for k, _ in self.journal(store)] == [KIND_CREATED]
        error = _raises(ValidationError, lambda: store.create(make_session_spec(symbol="ETH")))
        assert "different spec" in error.message
        other_options = make_session_spec(options=make_session_options())
        error = _raises(ValidationError, lambda: store.create(other_options))
        assert "different spec" in error.message

    def test_unknown_session_is_not_found(self) -> None:
        store = self.make_store()
        for call in (store.get_spec, store.get_state, store.decisions, store.equity):
            try:
                call("nope")
            except NotFoundError:
                continue
            raise AssertionError(f"{call} did not raise NotFoundError")  # pragma: no cover

    def test_list_sessions_filters_and_orders(self) -> None:
        store = self.make_store()
        store.create(make_session_spec("b", created_at=T0 + timedelta(minutes=2)))
        store.create(make_session_spec("a", created_at=T0 + timedelta(minutes=1)))
        store.create(make_session_spec("c", strategy_id="other", created_at=T0))
        self._running(store, "d", T0 + timedelta(minutes=3))
        assert [i.spec.session_id for i in store.list_sessions()] == ["c", "a", "b", "d"]
        assert [i.spec.session_id for i in store.list_sessions(strategy_id="other")] == ["c"]
        running = store.list_sessions(statuses={SessionStatus.RUNNING})
        assert [(i.spec.session_id, i.state.status) for i in running] == [
            ("d", SessionStatus.RUNNING)
        ]

    # -- state ----------------------------------------------------------------------------

    def test_save_state_bumps_version_and_journals_status_changes(self) -> None:
        store = self.make_store()
        created = store.create(make_session_spec())
        running = store.save_state(created.started("host:1:abc", T0))
        assert running.version == created.version + 1
        assert running.status is SessionStatus.RUNNING
        assert running.owner == "host:1:abc"
        assert store.get_state("s1") == running
        beat = store.save_state(replace(running, heartbeat_at=T0 + timedelta(seconds=5)))
        assert beat.version == running.version + 1
        kinds = [k for k, _ in self.journal(store)]
        assert kinds == [KIND_CREATED, KIND_STATUS]  # the heartbeat changed no status
        payload = self.journal(store)[1][1]
        assert (payload["from"], payload["to"]) == ("created", "running")

    def test_stale_save_is_refused_and_writes_nothing(self) -> None:
        store = self.make_store()
        created = store.create(make_session_spec())
        store.save_state(created.started("owner-a", T0))
        try:
            store.save_state(created.started("owner-b", T0))
        except StaleStateError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a stale state was saved")
        assert store.get_state("s1").owner == "owner-a"

    # -- steps ----------------------------------------------------------------------------

    def test_record_step_stores_decision_equity_and_cursor_atomically(self) -> None:
        store = self.make_store()
        state = self._running(store)
        state = self._step(store, state, 1, order_ids=("c-1", "c-2"))
        state = self._step(store, state, 2, direction=Direction.FLAT, outcome="no action")
        stored = store.get_state("s1")
        assert stored == state
        assert stored.cursor == T0 + timedelta(hours=2)
        assert stored.bars_processed == 2
        decisions = store.decisions("s1")
        assert [d.bar_time for d in decisions] == [T0 + timedelta(hours=h) for h in (1, 2)]
        assert decisions[0] == make_decision(
            "s1", T0 + timedelta(hours=1), order_ids=("c-1", "c-2")
        )
        assert decisions[0].inputs == {"close": 101.5, "sma_fast": 100.9, "sma_slow": 100.1}
        assert decisions[1].direction is Direction.FLAT
        assert decisions[1].entry is None
        equity = store.equity("s1")
        assert [e.equity for e in equity] == [Decimal(10_001), Decimal(10_002)]
        assert equity[0] == make_equity("s1", T0 + timedelta(hours=1), "10001")
        steps = [p for k, p in self.journal(store) if k == KIND_STEP]
        assert [p["bar_time"] for p in steps] == [
            (T0 + timedelta(hours=h)).isoformat() for h in (1, 2)
        ]
        assert steps[0]["order_ids"] == ["c-1", "c-2"]
        assert steps[0]["equity"] == "10001"

    def test_record_step_without_decision_or_equity_moves_the_cursor(self) -> None:
        store = self.make_store()
        state = self._running(store)
        bar = T0 + timedelta(hours=3)
        new = store.record_step("s1", bar, None, None, state.stepped(bar, bar))
        assert new.cursor == bar
        assert store.decisions("s1") == []
        assert store.equity("s1") == []

    def test_record_step_refuses_an_already_recorded_bar(self) -> None:
        store = self.make_store()
        state = self._step(store, self._running(store), 2)
        bar = T0 + timedelta(hours=2)
        for when in (bar, bar - timedelta(hours=1)):
            error = _raises(
                ValidationError,
                partial(store.record_step, "s1", when, None, None, state.stepped(when, when)),
            )
            assert "already recorded" in error.message
        assert len(store.decisions("s1")) == 1

    def test_record_step_refuses_mismatched_records(self) -> None:
        store = self.make_store()
        state = self._running(store)
        bar = T0 + timedelta(hours=1)
        other = T0 + timedelta(hours=5)
        bad_calls = [
            (make_decision("s1", other), None, state.stepped(bar, bar)),
            (None, make_equity("s1", other), state.stepped(bar, bar)),
            (None, None, state.stepped(other, bar)),
        ]
        for decision, equity, new_state in bad_calls:
            try:
                store.record_step("s1", bar, decision, equity, new_state)
            except ValidationError:
                continue
            raise AssertionError("a mismatched step was recorded")  # pragma: no cover
        assert store.get_state("s1") == state
        assert store.decisions("s1") == []
        assert store.equity("s1") == []

    def test_stale_record_step_writes_nothing(self) -> None:
        store = self.make_store()
        state = self._running(store)
        store.save_state(replace(state, heartbeat_at=T0 + timedelta(minutes=1)))
        before = len(self.journal(store))
        try:
            self._step(store, state, 1)
        except StaleStateError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a step on a stale state was recorded")
        assert store.decisions("s1") == []
        assert store.equity("s1") == []
        assert store.get_state("s1").cursor is None
        assert len(self.journal(store)) == before

    def test_record_step_can_finish_the_session(self) -> None:
        store = self.make_store()
        state = self._running(store)
        bar = T0 + timedelta(hours=1)
        done = state.stepped(bar, bar).finished(SessionStatus.STOPPED, bar)
        stored = store.record_step("s1", bar, None, None, done)
        assert stored.status is SessionStatus.STOPPED
        assert stored.owner is None
        assert [k for k, _ in self.journal(store)][-2:] == [KIND_STEP, KIND_STATUS]

    def test_decisions_page_in_either_order(self) -> None:
        store = self.make_store()
        state = self._running(store)
        for hour in range(1, 6):
            state = self._step(store, state, hour)
        hours = [d.bar_time.hour - T0.hour for d in store.decisions("s1", limit=2, offset=1)]
        assert hours == [2, 3]
        newest = store.decisions("s1", limit=2, newest_first=True)
        assert [d.bar_time.hour - T0.hour for d in newest] == [5, 4]
        assert [e.time for e in store.equity("s1", since=T0 + timedelta(hours=4))] == [
            T0 + timedelta(hours=4),
            T0 + timedelta(hours=5),
        ]

    # -- stop -----------------------------------------------------------------------------

    def test_request_stop_of_a_running_session_makes_the_owner_stale(self) -> None:
        store = self.make_store()
        state = self._running(store)
        stopping = store.request_stop("s1", actor="alice")
        assert stopping.status is SessionStatus.STOPPING
        try:
            self._step(store, state, 1)
        except StaleStateError:
            pass
        else:  # pragma: no cover
            raise AssertionError("the owner did not notice the stop request")
        reloaded = store.get_state("s1")
        assert reloaded.status is SessionStatus.STOPPING
        bar = T0 + timedelta(hours=1)
        done = store.record_step(
            "s1",
            bar,
            None,
            None,
            reloaded.stepped(bar, bar).finished(SessionStatus.STOPPED, bar),
        )
        assert done.status is SessionStatus.STOPPED
        requested = [p for k, p in self.journal(store) if k == KIND_STOP_REQUESTED]
        assert requested == [{"session_id": "s1", "from": "running", "to": "stopping"}]

    def test_request_stop_of_created_and_finished_sessions(self) -> None:
        store = self.make_store()
        store.create(make_session_spec())
        assert store.request_stop("s1").status is SessionStatus.STOPPED
        again = store.request_stop("s1")
        assert again.status is SessionStatus.STOPPED
        assert [k for k, _ in self.journal(store)].count(KIND_STOP_REQUESTED) == 1

    # -- tenants --------------------------------------------------------------------------

    def test_tenants_are_isolated(self) -> None:
        store = self.make_store()
        self._step(store, self._running(store), 1)
        acme = self.other_tenant(store, "acme")
        assert acme.list_sessions() == []
        try:
            acme.get_state("s1")
        except NotFoundError:
            pass
        else:  # pragma: no cover
            raise AssertionError("another tenant's session was visible")
        try:
            store.create(make_session_spec("x", tenant_id="acme"))
        except ValidationError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a spec of another tenant was stored")
        acme.create(make_session_spec("s1", tenant_id="acme"))
        assert acme.get_state("s1").status is SessionStatus.CREATED
        assert store.get_state("s1").status is SessionStatus.RUNNING
        assert acme.decisions("s1") == []
        assert len(store.decisions("s1")) == 1


__all__ = [
    "InMemorySessionStore",
    "SessionJournalEntry",
    "SessionStoreContract",
    "make_decision",
    "make_equity",
    "make_session_options",
    "make_session_spec",
]
