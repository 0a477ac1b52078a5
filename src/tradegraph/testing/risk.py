"""Risk test kit: an in-memory ``RiskStateStore``, its conformance suite, and builders.

``RiskStateStoreContract`` is a plain class of ``test_*`` methods (no pytest import):
subclass it as ``TestMyStore`` and implement ``make_store`` and ``journal`` to run the
same suite against any implementation (the database-backed one in ``persistence``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import AssetClass
from tradegraph.model.instrument import Instrument
from tradegraph.model.position import Position
from tradegraph.risk.account import AccountSnapshot, PriceMark
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.guard import DrawdownGuard, GuardMode, GuardState, GuardTransition
from tradegraph.risk.store import RiskStateStore


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One audit entry as the fake store recorded it."""

    tenant_id: str
    strategy_id: str
    kind: str
    payload: Mapping[str, JSONValue]


class InMemoryRiskStateStore:
    """A thread-safe dict-backed ``RiskStateStore``; ``records`` is its audit journal.

    Set ``fail_next_save`` to make the next ``save`` raise before changing anything, to
    test that callers cope with a failed (atomic) write.
    """

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], GuardState] = {}
        self._records: list[JournalRecord] = []
        self._lock = threading.Lock()
        self.fail_next_save = False

    def load(self, tenant_id: str, strategy_id: str) -> GuardState | None:
        with self._lock:
            return self._states.get((tenant_id, strategy_id))

    def save(
        self,
        tenant_id: str,
        strategy_id: str,
        state: GuardState,
        transitions: Sequence[GuardTransition],
    ) -> None:
        records = [
            JournalRecord(tenant_id, strategy_id, t.AUDIT_KIND, t.audit_payload())
            for t in transitions
        ]
        with self._lock:
            if self.fail_next_save:
                self.fail_next_save = False
                raise OSError("InMemoryRiskStateStore: injected save failure")
            self._states[(tenant_id, strategy_id)] = state
            self._records.extend(records)

    def strategies(self, tenant_id: str) -> Sequence[str]:
        with self._lock:
            return sorted(s for t, s in self._states if t == tenant_id)

    @property
    def records(self) -> list[JournalRecord]:
        with self._lock:
            return list(self._records)


# --- builders ----------------------------------------------------------------------------

T0 = datetime(2024, 1, 2, 12, 0, tzinfo=UTC)
"""A fixed, timezone-aware reference time for tests."""


def make_instrument(
    symbol: str = "BTC/USDT",
    *,
    venue: str = "test",
    tick_size: str = "0.01",
    lot_size: str = "0.001",
    min_notional: str = "0",
    multiplier: str = "1",
) -> Instrument:
    """An instrument with the given increments (strings, so they are exact)."""
    base, _, quote = symbol.partition("/")
    return Instrument(
        symbol=symbol,
        venue=venue,
        asset_class=AssetClass.CRYPTO_SPOT,
        tick_size=Decimal(tick_size),
        lot_size=Decimal(lot_size),
        quote_currency=quote or "USD",
        min_notional=Decimal(min_notional),
        base_currency=base,
        multiplier=Decimal(multiplier),
    )


def make_account(
    equity: Decimal | str,
    *,
    prices: Mapping[str, Decimal | str] | None = None,
    positions: Mapping[str, Decimal | str] | None = None,
    price_time: datetime = T0,
    daily_pnl: Decimal | str = "0",
    monthly_pnl: Decimal | str = "0",
) -> AccountSnapshot:
    """An account with last prices observed at ``price_time`` and positions bought at
    their last price (instrument id -> signed quantity)."""
    marks = {iid: PriceMark(Decimal(p), price_time) for iid, p in (prices or {}).items()}
    held = tuple(
        Position(
            iid,
            quantity=Decimal(q),
            average_price=marks[iid].price if iid in marks else Decimal(1),
        )
        for iid, q in (positions or {}).items()
    )
    return AccountSnapshot(
        equity=Decimal(equity),
        positions=held,
        last_prices=marks,
        daily_pnl=Decimal(daily_pnl),
        monthly_pnl=Decimal(monthly_pnl),
    )


# --- conformance suite -------------------------------------------------------------------


class RiskStateStoreContract:
    """Behaviour every ``RiskStateStore`` must have. Subclass as ``Test...``."""

    def make_store(self) -> RiskStateStore:  # pragma: no cover - overridden
        raise NotImplementedError

    def journal(
        self, store: RiskStateStore, tenant_id: str, strategy_id: str
    ) -> list[tuple[str, Mapping[str, JSONValue]]]:  # pragma: no cover - overridden
        """(kind, payload) of the journalled entries of one strategy, oldest first."""
        raise NotImplementedError

    def _tripped(self) -> tuple[GuardState, GuardTransition]:
        guard = DrawdownGuard(RiskConfig())
        state = guard.start(Decimal(1000), T0)
        update = guard.observe(state, Decimal(900), T0 + timedelta(minutes=1))
        assert update.state.mode is GuardMode.HALTED
        return update.state, update.transitions[0]

    def test_load_of_unknown_strategy_is_none(self) -> None:
        assert self.make_store().load("default", "nothing-here") is None

    def test_save_then_load_round_trips_state(self) -> None:
        store = self.make_store()
        state, transition = self._tripped()
        store.save("default", "s1", state, [transition])
        assert store.load("default", "s1") == state

    def test_save_replaces_previous_state(self) -> None:
        store = self.make_store()
        guard = DrawdownGuard(RiskConfig())
        first = guard.start(Decimal(500), T0)
        store.save("default", "s1", first, [])
        second, transition = self._tripped()
        store.save("default", "s1", second, [transition])
        assert store.load("default", "s1") == second

    def test_transitions_are_journalled_in_order(self) -> None:
        store = self.make_store()
        guard = DrawdownGuard(RiskConfig())
        state = guard.start(Decimal(1000), T0)
        reducing = guard.observe(state, Decimal(950), T0 + timedelta(minutes=1))
        halted = guard.observe(reducing.state, Decimal(900), T0 + timedelta(minutes=2))
        transitions = [*reducing.transitions, *halted.transitions]
        store.save("default", "s1", halted.state, transitions)
        entries = self.journal(store, "default", "s1")
        assert [kind for kind, _ in entries] == [GuardTransition.AUDIT_KIND] * 2
        assert [payload["to"] for _, payload in entries] == ["reducing", "halted"]
        assert entries[1][1]["reason"] == ReasonCode.DAILY_LOSS_LIMIT.value

    def test_tenants_and_strategies_are_isolated(self) -> None:
        store = self.make_store()
        state, transition = self._tripped()
        store.save("acme", "s1", state, [transition])
        assert store.load("default", "s1") is None
        assert store.load("acme", "s2") is None
        assert list(store.strategies("acme")) == ["s1"]
        assert list(store.strategies("default")) == []
        assert self.journal(store, "default", "s1") == []

    def test_strategies_are_sorted(self) -> None:
        store = self.make_store()
        guard = DrawdownGuard(RiskConfig())
        for name in ("zeta", "alpha", "mid"):
            store.save("default", name, guard.start(Decimal(1), T0), [])
        assert list(store.strategies("default")) == ["alpha", "mid", "zeta"]


__all__ = [
    "T0",
    "InMemoryRiskStateStore",
    "JournalRecord",
    "RiskStateStoreContract",
    "make_account",
    "make_instrument",
]
