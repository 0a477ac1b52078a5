"""SimulatedVenue: an ``ExecutionClient`` that executes against bars or quotes with the
backtest engine's fill rules (``matching``), for paper trading and tests.

Orders rest until market data arrives: ``on_bar(instrument_id, bar)`` or
``on_quote(instrument_id, bid, ask)`` executes every working order that is eligible
(its submit time plus ``latency`` is at or before the bar's open / the quote's time).
Within a bar, market orders (and stops triggered on an earlier bar) fill at the open
first, then resting orders against the bar's range, each in submission order. With
``participation < 1`` one order takes at most that share of a bar's volume and the
rest stays working (partial fills across bars). An IOC order gets one step (the first
bar or quote it is eligible for), a FOK order fills in full in that step or expires.

Everything that changes state is an event appended to the ``VenueJournal`` first, so a
venue rebuilt over the same journal (a restart of the trading process) is in the
identical state. Market data (the last bar and price) is not state: after a restart the
venue learns it from the next bar or quote. Event times are the venue clock's ``now()``
when the venue processes them, so ``fills(since=last poll)`` never misses a fill.

Rejections are REJECTED snapshots (see ``checks``). A client order id that names a
working order makes no second order (Binance answers "Duplicate order sent"): the answer
is the working order's own snapshot, as the port requires, so an OMS that re-submits
after a lost answer sees its order rather than a rejection it might wrongly apply to
it. Once that order is
terminal the id may be reused for a new order, as on Binance. ``modify`` cancels and
places a new order (``Capabilities.native_modify`` is False) for the old order's
remaining quantity unless told otherwise; ``price`` moves the limit (the stop of a plain
stop order). If the new order is rejected the old one stays canceled; a modify retried
with the same new client id returns the replacement it already made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    ConfigurationError,
    IntegrityError,
    NotFoundError,
    OrderStateUnknownError,
    PersistenceError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.execution.ports import (
    Balance,
    Capabilities,
    OrderRequest,
    VenueOrder,
    VenuePosition,
)
from tradegraph.execution.simulated.account import (
    free_balance,
    reserver,
)
from tradegraph.execution.simulated.checks import lock_price, rejection_reason
from tradegraph.execution.simulated.config import FillMode, SimulatedVenueConfig
from tradegraph.execution.simulated.events import (
    OrderClosed,
    OrderPlaced,
    VenueEvent,
    VenueOpened,
)
from tradegraph.execution.simulated.journal import MemoryVenueJournal, VenueJournal
from tradegraph.execution.simulated.matcher import OrderMatcher
from tradegraph.execution.simulated.matching import (
    PriceRange,
    close_match,
    volume_cap,
)
from tradegraph.execution.simulated.state import SimOrder, VenueSnapshot, VenueState
from tradegraph.model.bar import Bar
from tradegraph.model.enums import OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus

_IMMEDIATE = (TimeInForce.IOC, TimeInForce.FOK)


class SimulatedVenue:
    """A paper-trading venue over one journal (see the module docstring)."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        clock: Clock,
        config: SimulatedVenueConfig | None = None,
        journal: VenueJournal | None = None,
    ) -> None:
        self._config = config or SimulatedVenueConfig()
        self._clock = clock
        self._journal: VenueJournal = journal if journal is not None else MemoryVenueJournal()
        table: dict[str, Instrument] = {}
        for instrument in instruments:
            if instrument.venue != self._config.venue:
                raise ConfigurationError(
                    f"Instrument {instrument.id} belongs to venue {instrument.venue!r}, not "
                    f"to the simulated venue {self._config.venue!r}.",
                    hint="Build the instrument with venue=config.venue, or name the venue "
                    "after the instruments (SimulatedVenueConfig(venue=...)).",
                )
            table[instrument.id] = instrument
        self._instruments: Mapping[str, Instrument] = MappingProxyType(table)
        self._capabilities = Capabilities(
            order_types=frozenset(OrderType),
            time_in_force=frozenset({TimeInForce.GTC, *_IMMEDIATE}),
            native_oco=False,
            reduce_only=True,
            native_modify=False,
            reports_positions=True,
        )
        self._state = VenueState(self._instruments, reserver(self._instruments, self._config))
        self._matcher = OrderMatcher(
            self._config.venue, self._state, self._config, self._commit, clock
        )
        self._lock = threading.RLock()
        self._last_bar: dict[str, Bar] = {}
        self._last_price: dict[str, Decimal] = {}
        self._recover()

    # --- ExecutionClient ------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._config.venue

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def config(self) -> SimulatedVenueConfig:
        return self._config

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        return self._instruments

    def submit(self, request: OrderRequest) -> VenueOrder:
        with self._lock:
            existing = self._state.order_for(request.instrument_id, request.client_order_id)
            if existing is not None and existing.is_working:
                return self._duplicate(request, existing)
            return self._place(request)

    def cancel(self, client_order_id: str, instrument_id: str) -> VenueOrder:
        with self._lock:
            order = self._known(client_order_id, instrument_id)
            if order.is_working:
                now = self._clock.now()
                self._commit(
                    OrderClosed(now, order.venue_order_id, OrderStatus.CANCELED, "canceled")
                )
            return self._state.orders[order.venue_order_id].snapshot()

    def modify(
        self,
        client_order_id: str,
        instrument_id: str,
        *,
        new_client_order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> VenueOrder:
        with self._lock:
            order = self._known(client_order_id, instrument_id)
            replacement = self._state.order_for(instrument_id, new_client_order_id)
            if replacement is not None and replacement.is_working:
                return replacement.snapshot()  # a retried modify: already replaced
            r = order.request
            remaining = order.remaining if order.remaining > 0 else r.quantity
            request = replace(
                r,
                client_order_id=new_client_order_id,
                quantity=remaining if quantity is None else quantity,
            )
            if price is not None and r.order_type is OrderType.STOP:
                request = replace(request, stop_price=price)  # no limit: price is the stop
            elif price is not None:
                request = replace(request, price=price)
            if not order.is_working:
                reason = f"cannot modify {client_order_id!r}: it is {order.status.value}"
                return self._place(request, reason)
            self._commit(
                OrderClosed(
                    self._clock.now(),
                    order.venue_order_id,
                    OrderStatus.CANCELED,
                    f"replaced by {new_client_order_id!r}",
                )
            )
            try:
                return self._place(request)
            except VenueUnavailableError as exc:
                raise OrderStateUnknownError(
                    f"Order {client_order_id!r} was canceled, but its replacement "
                    f"{new_client_order_id!r} could not be placed: {exc.message}",
                    hint="Query both client order ids; submit the replacement again if the "
                    "venue does not know it.",
                ) from exc

    def submit_oco(self, stop: OrderRequest, target: OrderRequest) -> tuple[VenueOrder, VenueOrder]:
        raise ConfigurationError(
            f"The simulated venue {self._config.venue!r} has no native OCO "
            f"(legs {stop.client_order_id!r}, {target.client_order_id!r}).",
            hint="Check capabilities.native_oco first; the OMS emulates OCO on this venue.",
        )

    def query_order(self, client_order_id: str, instrument_id: str) -> VenueOrder | None:
        with self._lock:
            order = self._state.order_for(instrument_id, client_order_id)
            return None if order is None else order.snapshot()

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]:
        with self._lock:
            return [o.snapshot() for o in self._state.working_orders(instrument_id)]

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        with self._lock:
            executed = self._state.fills.get(instrument_id, [])
            return [f for f in executed if since is None or f.time >= since]

    def positions(self) -> Sequence[VenuePosition]:
        with self._lock:
            return list(self._state.positions())

    def balances(self) -> Sequence[Balance]:
        with self._lock:
            return [
                Balance(c, total, free_balance(self._state, c, self._config))
                for c, total in sorted(self._state.totals.items())
            ]

    # --- market data ----------------------------------------------------------------

    def on_bar(self, instrument_id: str, bar: Bar) -> list[Fill]:
        """Execute the eligible working orders of ``instrument_id`` against ``bar`` (its
        open time decides eligibility); returns the fills it made, oldest first."""
        with self._lock:
            self._instrument(instrument_id)
            last = self._last_bar.get(instrument_id)
            if last is not None and bar.time <= last.time:
                raise ValidationError(
                    f"Bar {bar.time.isoformat()} of {instrument_id} is not after the previous "
                    f"bar {last.time.isoformat()}.",
                    hint="Feed each instrument's bars once, in time order.",
                )
            prices = PriceRange.from_bar(bar)
            cap = volume_cap(bar.volume, self._config.participation, self._lot(instrument_id))
            fills = self._matcher.step(instrument_id, lambda _side: prices, bar.time, cap)
            self._last_bar[instrument_id] = bar
            self._last_price[instrument_id] = prices.close
            return fills

    def on_quote(
        self, instrument_id: str, bid: Decimal, ask: Decimal, time: datetime | None = None
    ) -> list[Fill]:
        """Execute eligible working orders against a quote: buys against ``ask``, sells
        against ``bid``, each as a one-price bar (no volume limit). ``time`` (default: the
        clock's now) decides eligibility."""
        with self._lock:
            self._instrument(instrument_id)
            if not (bid.is_finite() and ask.is_finite() and 0 < bid <= ask):
                raise ValidationError(
                    f"Quote {bid} / {ask} of {instrument_id} is invalid.",
                    hint="Bid and ask must be positive with bid <= ask.",
                )
            at = self._clock.now() if time is None else time
            if at.tzinfo is None or at.utcoffset() != timedelta(0):
                raise ValidationError(
                    f"Quote time {at!r} of {instrument_id} is not timezone-aware UTC.",
                    hint="Pass datetime(..., tzinfo=datetime.UTC), or no time (the clock's).",
                )
            sides = {Side.BUY: PriceRange.at(ask), Side.SELL: PriceRange.at(bid)}
            fills = self._matcher.step(instrument_id, sides.__getitem__, at, None)
            self._last_price[instrument_id] = (bid + ask) / 2
            return fills

    def snapshot(self) -> VenueSnapshot:
        """All state (orders, fills, counters, positions, balances) as one value."""
        with self._lock:
            return self._state.snapshot(self.balances())

    # --- internals --------------------------------------------------------------------

    def _recover(self) -> None:
        events = self._journal.read()
        opening = VenueOpened(self._clock.now(), self._config.venue, self._config.balances())
        if not events:
            self._commit(opening)
            return
        first = events[0]
        if not isinstance(first, VenueOpened):
            raise IntegrityError(
                f"The venue journal starts with {first!r}, not with the venue's opening.",
                hint="The journal is damaged or not a simulated venue's journal.",
            )
        if (first.venue, first.balances) != (opening.venue, opening.balances):
            raise ConfigurationError(
                f"The venue journal was started by venue {first.venue!r} with balances "
                f"{dict(first.balances)}, but this venue is {opening.venue!r} with "
                f"{dict(opening.balances)}.",
                hint="Reopen a journal with the config that started it, or use a new journal "
                "to start over.",
            )
        for event in events:
            self._state.apply(event)

    def _commit(self, event: VenueEvent) -> None:
        try:
            self._journal.append(event)  # write-ahead: an event is durable before it counts
        except (OSError, PersistenceError) as exc:
            raise VenueUnavailableError(
                f"Simulated venue {self.venue!r} could not record {type(event).__name__} in "
                f"its journal: {exc}",
                hint="Nothing was executed; fix the journal's storage (disk space, "
                "permissions) and retry.",
            ) from exc
        self._state.apply(event)

    def _instrument(self, instrument_id: str) -> Instrument:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            raise ValidationError(
                f"Instrument {instrument_id!r} is not traded on venue {self.venue!r}.",
                hint=f"Known instruments: {sorted(self._instruments)}.",
            )
        return instrument

    def _lot(self, instrument_id: str) -> Decimal:
        return self._instruments[instrument_id].lot_size

    def _known(self, client_order_id: str, instrument_id: str) -> SimOrder:
        order = self._state.order_for(instrument_id, client_order_id)
        if order is None:
            raise NotFoundError(
                f"Venue {self.venue!r} has no order {client_order_id!r} on {instrument_id}.",
                hint="Check the client order id and the instrument; query_order returns None "
                "for orders the venue never received.",
            )
        return order

    def _place(self, request: OrderRequest, reason: str = "") -> VenueOrder:
        now = self._clock.now()
        instrument = self._instruments.get(request.instrument_id)
        reference = self._last_price.get(request.instrument_id)
        if not reason:
            reason = rejection_reason(
                request,
                instrument,
                self._state,
                config=self._config,
                capabilities=self._capabilities,
                reference=reference,
            )
        voi = f"{self.venue}-o{self._state.order_count + 1}"
        status = OrderStatus.REJECTED if reason else OrderStatus.ACCEPTED
        locked = lock_price(request, reference)
        eligible = now + self._config.latency
        self._commit(OrderPlaced(now, voi, request, status, eligible, locked, reason))
        order = self._state.orders[voi]
        if order.is_working and self._fills_at_close(order):
            bar_iid = request.instrument_id
            bar = self._last_bar[bar_iid]
            cap = volume_cap(bar.volume, self._config.participation, self._lot(bar_iid))
            try:
                self._matcher.execute(order, close_match(PriceRange.from_bar(bar)), cap)
                self._matcher.expire_immediate(order.venue_order_id)
            except VenueUnavailableError as exc:
                raise OrderStateUnknownError(
                    f"Order {request.client_order_id!r} was accepted as {voi}, but its fill "
                    f"at the close could not be recorded: {exc.message}",
                    hint="Query the order by its client order id.",
                ) from exc
        return self._state.orders[voi].snapshot()

    def _duplicate(self, request: OrderRequest, existing: SimOrder) -> VenueOrder:
        """The answer to a client id that names a working order: that order, unchanged."""
        del request
        return existing.snapshot()

    def _fills_at_close(self, order: SimOrder) -> bool:
        """CLOSE mode: a market order with no latency trades the close of the bar that
        has just completed (until the next bar completes)."""
        if self._config.fill_mode is not FillMode.CLOSE or self._config.latency:
            return False
        if order.request.order_type is not OrderType.MARKET:
            return False
        bar = self._last_bar.get(order.request.instrument_id)
        if bar is None:
            return False
        period = timedelta(seconds=bar.timeframe.seconds)
        return bar.close_time <= order.created_at < bar.close_time + period


__all__ = ["SimulatedVenue"]
