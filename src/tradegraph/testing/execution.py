"""Execution test kit: ``FaultyClient``, an ``ExecutionClient`` wrapper that injects
transport faults, and ``OmsHarness``: an ``OrderManager`` over a ``FaultyClient`` around
a ``SimulatedVenue`` with an ``InMemoryOrderStore`` and a ``TestClock``, for OMS tests,
chaos tests and benchmarks.

Faults (``Fault``), per call kind (``Call``):

- ``DROP_AFTER_EXECUTE``: call the inner venue, then raise ``OrderStateUnknownError`` —
  the request executed but the answer was lost (timeout after sending, dropped
  connection).
- ``FAIL_BEFORE``: raise ``OrderStateUnknownError`` without calling the inner venue — a
  5xx/timeout where the request never executed, indistinguishable for the caller.
- ``UNAVAILABLE``: raise ``VenueUnavailableError`` without calling the inner venue
  (connection refused: certainly not executed).

Faults come from an explicit queue per call kind (``schedule``), else from per-kind
probabilities (``set_rate``) drawn from a seeded ``random.Random`` — the same seed gives
the same faults. ``inner_submits`` counts, per client order id, the submits that reached
the inner venue: with a venue that de-duplicates client ids, "exactly one venue order per
intent" is ``inner_submits[coid] == 1`` plus the venue's own view.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import OrderStateUnknownError, VenueUnavailableError
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.ports import (
    Balance,
    Capabilities,
    ExecutionClient,
    OrderRequest,
    VenueOrder,
    VenuePosition,
)
from tradegraph.execution.retry import RetryPolicy
from tradegraph.execution.simulated import SimulatedVenue, SimulatedVenueConfig
from tradegraph.execution.throttle import KillSwitch
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, Direction, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.timeframe import Timeframe
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import T0

T = TypeVar("T")


class Call(StrEnum):
    SUBMIT = "submit"
    SUBMIT_OCO = "submit_oco"
    CANCEL = "cancel"
    MODIFY = "modify"
    QUERY_ORDER = "query_order"
    OPEN_ORDERS = "open_orders"
    FILLS = "fills"
    POSITIONS = "positions"
    BALANCES = "balances"


class Fault(StrEnum):
    DROP_AFTER_EXECUTE = "drop_after_execute"
    FAIL_BEFORE = "fail_before"
    UNAVAILABLE = "unavailable"


class FaultyClient:
    """Wraps ``inner`` and injects faults (see the module docstring). Thread-safe."""

    def __init__(
        self,
        inner: ExecutionClient,
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._rng = rng if rng is not None else random.Random(seed)  # noqa: S311 - test faults
        self._lock = threading.Lock()
        self._queued: dict[Call, deque[Fault | None]] = {call: deque() for call in Call}
        self._rates: dict[Call, list[tuple[Fault, float]]] = {call: [] for call in Call}
        self.inner_submits: Counter[str] = Counter()
        """Submits that reached the inner venue, per client order id."""
        self.calls: Counter[Call] = Counter()
        self.injected: Counter[tuple[Call, Fault]] = Counter()
        self.on_submit: Callable[[OrderRequest], None] | None = None
        """Called before a submit reaches the inner venue (e.g. to assert persist-first)."""

    @property
    def inner(self) -> ExecutionClient:
        return self._inner

    def schedule(self, call: Call, *faults: Fault | None) -> None:
        """Queue faults for the next calls of ``call`` (None lets one call through)."""
        with self._lock:
            self._queued[call].extend(faults)

    def set_rate(self, call: Call, fault: Fault, probability: float) -> None:
        """Inject ``fault`` on a share of ``call``s (after the queue is empty)."""
        with self._lock:
            rates = [(f, p) for f, p in self._rates[call] if f is not fault]
            if probability > 0:
                rates.append((fault, probability))
            self._rates[call] = rates

    def clear(self) -> None:
        """No more faults (queued or random)."""
        with self._lock:
            for call in Call:
                self._queued[call].clear()
                self._rates[call] = []

    def _next_fault(self, call: Call) -> Fault | None:
        with self._lock:
            self.calls[call] += 1
            queue = self._queued[call]
            if queue:
                fault = queue.popleft()
            else:
                fault = None
                draw = self._rng.random()
                for candidate, probability in self._rates[call]:
                    if draw < probability:
                        fault = candidate
                        break
                    draw -= probability
            if fault is not None:
                self.injected[(call, fault)] += 1
            return fault

    def _run(self, call: Call, fn: Callable[[], T]) -> T:
        fault = self._next_fault(call)
        if fault is Fault.UNAVAILABLE:
            raise VenueUnavailableError(
                f"injected: {call.value} refused, venue unavailable (not executed).",
                hint="A FaultyClient fault.",
            )
        if fault is Fault.FAIL_BEFORE:
            raise OrderStateUnknownError(
                f"injected: {call.value} failed with a 5xx before executing.",
                hint="A FaultyClient fault: query to learn the outcome.",
            )
        result = fn()
        if fault is Fault.DROP_AFTER_EXECUTE:
            raise OrderStateUnknownError(
                f"injected: {call.value} executed but its response was dropped.",
                hint="A FaultyClient fault: query to learn the outcome.",
            )
        return result

    # --- ExecutionClient ---------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._inner.venue

    @property
    def capabilities(self) -> Capabilities:
        return self._inner.capabilities

    def submit(self, request: OrderRequest) -> VenueOrder:
        def call() -> VenueOrder:
            if self.on_submit is not None:
                self.on_submit(request)
            with self._lock:
                self.inner_submits[request.client_order_id] += 1
            return self._inner.submit(request)

        return self._run(Call.SUBMIT, call)

    def submit_oco(self, stop: OrderRequest, target: OrderRequest) -> tuple[VenueOrder, VenueOrder]:
        """Faults as ``submit`` (``Call.SUBMIT_OCO``); both legs count in ``inner_submits``."""

        def call() -> tuple[VenueOrder, VenueOrder]:
            if self.on_submit is not None:
                self.on_submit(stop)
                self.on_submit(target)
            with self._lock:
                self.inner_submits[stop.client_order_id] += 1
                self.inner_submits[target.client_order_id] += 1
            return self._inner.submit_oco(stop, target)

        return self._run(Call.SUBMIT_OCO, call)

    def cancel(self, client_order_id: str, instrument_id: str) -> VenueOrder:
        return self._run(Call.CANCEL, lambda: self._inner.cancel(client_order_id, instrument_id))

    def modify(
        self,
        client_order_id: str,
        instrument_id: str,
        *,
        new_client_order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> VenueOrder:
        return self._run(
            Call.MODIFY,
            lambda: self._inner.modify(
                client_order_id,
                instrument_id,
                new_client_order_id=new_client_order_id,
                quantity=quantity,
                price=price,
            ),
        )

    def query_order(self, client_order_id: str, instrument_id: str) -> VenueOrder | None:
        return self._run(
            Call.QUERY_ORDER, lambda: self._inner.query_order(client_order_id, instrument_id)
        )

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]:
        return self._run(Call.OPEN_ORDERS, lambda: self._inner.open_orders(instrument_id))

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        return self._run(Call.FILLS, lambda: self._inner.fills(instrument_id, since))

    def positions(self) -> Sequence[VenuePosition]:
        return self._run(Call.POSITIONS, self._inner.positions)

    def balances(self) -> Sequence[Balance]:
        return self._run(Call.BALANCES, self._inner.balances)


# --- the OMS harness --------------------------------------------------------------------------

PERP = Instrument(
    symbol="BTC/USDT:USDT",
    venue="sim",
    asset_class=AssetClass.CRYPTO_PERP,
    tick_size=Decimal("0.1"),
    lot_size=Decimal("0.001"),
    quote_currency="USDT",
)
"""A perpetual on the simulated venue (no balance limits: any size fills)."""

FAST = OmsConfig(
    max_orders_per_second=None,
    read_retry=RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0),
)
"""No throttle, instant read retries: for tests that are not about those."""

_MINUTE = Timeframe.parse("1m")


@dataclass
class OmsHarness:
    """An OMS wired to a simulated venue through a ``FaultyClient``."""

    clock: TestClock
    venue: SimulatedVenue
    client: FaultyClient
    store: InMemoryOrderStore
    oms: OrderManager
    instrument: Instrument
    checkpoints: list[str] = field(default_factory=list)

    def bar(
        self,
        open_: float,
        high: float | None = None,
        low: float | None = None,
        close: float | None = None,
        *,
        volume: float = 1_000_000.0,
    ) -> list[Fill]:
        """Advance the clock one minute and feed a bar opening now (default: flat)."""
        now = self.clock.advance(timedelta(minutes=1))
        bar = Bar(
            instrument_id=self.instrument.id,
            timeframe=_MINUTE,
            time=now,
            open=open_,
            high=max(open_, close or open_, high or open_),
            low=min(open_, close or open_, low or open_),
            close=open_ if close is None else close,
            volume=volume,
        )
        return self.venue.on_bar(self.instrument.id, bar)

    def intent(
        self,
        direction: Direction = Direction.LONG,
        *,
        entry: float | None = 100.0,
        stop: float | None = None,
        target: float | None = None,
    ) -> Intent:
        return Intent(
            instrument_id=self.instrument.id,
            direction=direction,
            time=self.clock.now(),
            entry=entry,
            stop=stop,
            target=target,
        )

    def rebuild(self, **kwargs: Any) -> OrderManager:
        """A new OrderManager over the same store and venue (a restarted process)."""
        self.oms = OrderManager(
            self.store,
            self.client,
            self.clock,
            instruments={self.instrument.id: self.instrument},
            **kwargs,
        )
        return self.oms


def approve(quantity: Decimal | str, *, risk_increasing: bool = True) -> RiskDecision:
    return RiskDecision.approve(Decimal(quantity), risk_increasing=risk_increasing)


def oms_harness(
    *,
    seed: int = 0,
    config: OmsConfig = FAST,
    instrument: Instrument = PERP,
    tenant_id: str = "default",
    record_checkpoints: bool = False,
    checkpoint: Callable[[str], None] | None = None,
    kill_switch: KillSwitch | None = None,
    start: datetime = T0,
    venue_config: SimulatedVenueConfig | None = None,
) -> OmsHarness:
    """A fresh harness (see ``OmsHarness``); ``record_checkpoints`` logs checkpoint names.
    ``venue_config`` must name the instrument's venue."""
    clock = TestClock(start)
    venue = SimulatedVenue(
        [instrument], clock, venue_config or SimulatedVenueConfig(venue=instrument.venue)
    )
    client = FaultyClient(venue, seed=seed)
    store = InMemoryOrderStore(tenant_id, clock)
    names: list[str] = []

    def hook(name: str) -> None:
        if record_checkpoints:
            names.append(name)
        if checkpoint is not None:
            checkpoint(name)

    oms = OrderManager(
        store,
        client,
        clock,
        instruments={instrument.id: instrument},
        config=config,
        checkpoint=hook,
        kill_switch=kill_switch,
        sleep=lambda _seconds: None,
        rng=random.Random(seed),  # noqa: S311 - jitter in tests
    )
    return OmsHarness(clock, venue, client, store, oms, instrument, names)



def order_request(
    client_order_id: str,
    *,
    instrument_id: str,
    quantity: Decimal,
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.MARKET,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    reduce_only: bool = False,
    tif: TimeInForce = TimeInForce.GTC,
) -> OrderRequest:
    """An ``OrderRequest`` with test-friendly defaults (a market buy, GTC)."""
    return OrderRequest(
        client_order_id=client_order_id,
        instrument_id=instrument_id,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        stop_price=stop_price,
        time_in_force=tif,
        reduce_only=reduce_only,
    )

__all__ = [
    "FAST",
    "PERP",
    "Call",
    "Fault",
    "FaultyClient",
    "OmsHarness",
    "approve",
    "oms_harness",
    "order_request",
]
