"""The simulated venue's state and the one way it changes: ``VenueState.apply(event)``.

State: orders (by venue order id, plus the latest order per client order id and
instrument), fills per instrument, the order and trade id counters, balances per
currency and the signed net position per instrument. Applying the events of a journal
in order rebuilds it exactly; ``snapshot()`` is a comparable value of all of it.

Accounting: a spot instrument (``AssetClass.CRYPTO_SPOT``) moves the base balance by the
filled quantity and the quote balance by the notional; any other instrument settles
futures-style: the quote balance moves by realized P&L only. Fees are always paid in the
quote currency. Positions are the signed net of this venue's fills (for spot too: base
that came with the starting balances is a balance, not a position).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from tradegraph.core.errors import ConfigurationError, IntegrityError
from tradegraph.execution.ports import Balance, OrderRequest, VenueOrder, VenuePosition
from tradegraph.execution.simulated.events import (
    OrderClosed,
    OrderFilled,
    OrderPlaced,
    OrderTriggered,
    VenueEvent,
    VenueOpened,
)
from tradegraph.model.enums import AssetClass
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus

_ZERO = Decimal(0)


def spot_base(instrument: Instrument) -> str | None:
    """The base currency of a spot instrument (None for every other kind)."""
    if instrument.asset_class is not AssetClass.CRYPTO_SPOT:
        return None
    return instrument.base_currency or instrument.symbol.partition("/")[0]


@dataclass(frozen=True, slots=True)
class SimOrder:
    """One order as the venue keeps it."""

    seq: int
    venue_order_id: str
    request: OrderRequest
    status: OrderStatus
    created_at: datetime
    eligible_at: datetime
    updated_at: datetime
    lock_price: Decimal | None = None
    filled_quantity: Decimal = _ZERO
    filled_notional: Decimal = _ZERO
    triggered: bool = False
    reason: str = ""

    @property
    def is_working(self) -> bool:
        return self.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)

    @property
    def remaining(self) -> Decimal:
        return self.request.quantity - self.filled_quantity

    @property
    def average_price(self) -> Decimal | None:
        if self.filled_quantity == 0:
            return None
        return self.filled_notional / self.filled_quantity

    def snapshot(self) -> VenueOrder:
        r = self.request
        return VenueOrder(
            client_order_id=r.client_order_id,
            venue_order_id=self.venue_order_id,
            instrument_id=r.instrument_id,
            side=r.side,
            order_type=r.order_type,
            quantity=r.quantity,
            status=self.status,
            updated_at=self.updated_at,
            filled_quantity=self.filled_quantity,
            average_price=self.average_price,
            price=r.price,
            stop_price=r.stop_price,
            reason=self.reason,
        )


@dataclass(frozen=True, slots=True)
class Holding:
    """Signed net position and its average entry price."""

    quantity: Decimal = _ZERO
    average_price: Decimal | None = None

    def after(self, signed: Decimal, price: Decimal) -> tuple[Holding, Decimal]:
        """The holding after trading ``signed`` units at ``price``, and the realized
        P&L per unit of multiplier (price difference x closed quantity)."""
        q = self.quantity
        new = q + signed
        if q == 0 or (q > 0) == (signed > 0):  # opening or adding
            avg = self.average_price or _ZERO
            average = (avg * abs(q) + price * abs(signed)) / abs(new)
            return Holding(new, average), _ZERO
        closed = min(abs(q), abs(signed))
        avg = self.average_price or price
        realized = (price - avg) * closed * (1 if q > 0 else -1)
        if new == 0:
            return Holding(), realized
        if (new > 0) == (q > 0):  # reduced, same side
            return Holding(new, self.average_price), realized
        return Holding(new, price), realized  # flipped: the rest opens at this price


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """All of a venue's state as one comparable value (orders oldest first)."""

    orders: tuple[VenueOrder, ...]
    fills: tuple[Fill, ...]
    positions: tuple[VenuePosition, ...]
    balances: tuple[Balance, ...]
    order_count: int
    trade_count: int
    triggered: tuple[str, ...]
    """Venue order ids of stop-limit orders already triggered."""


Reserve = Callable[["SimOrder"], tuple[str, Decimal] | None]
"""What a working order holds back of which currency (see ``account.reservation``)."""


def _no_reservation(_order: SimOrder) -> tuple[str, Decimal] | None:
    return None


class VenueState:
    """Mutable state, changed only by ``apply``. Not thread-safe: the venue locks.

    ``reserved`` keeps the sum of the working orders' reservations per currency up to
    date as orders change, so checking a balance never walks the order book."""

    def __init__(
        self, instruments: Mapping[str, Instrument], reserve: Reserve = _no_reservation
    ) -> None:
        self.instruments = instruments
        self._reserve = reserve
        self.reserved: dict[str, Decimal] = {}
        self.venue: str | None = None
        self.orders: dict[str, SimOrder] = {}
        self.working: dict[str, SimOrder] = {}  # insertion (= submission) order
        self.by_client: dict[tuple[str, str], str] = {}
        self.fills: dict[str, list[Fill]] = {}
        self.holdings: dict[str, Holding] = {}
        self.totals: dict[str, Decimal] = {}
        self.order_count = 0
        self.trade_count = 0

    # --- queries --------------------------------------------------------------------

    def order_for(self, instrument_id: str, client_order_id: str) -> SimOrder | None:
        """The latest order with this client id on this instrument."""
        voi = self.by_client.get((instrument_id, client_order_id))
        return None if voi is None else self.orders[voi]

    def working_orders(self, instrument_id: str | None = None) -> list[SimOrder]:
        return [
            o
            for o in self.working.values()
            if instrument_id is None or o.request.instrument_id == instrument_id
        ]

    def positions(self) -> tuple[VenuePosition, ...]:
        return tuple(
            VenuePosition(iid, h.quantity, h.average_price)
            for iid, h in sorted(self.holdings.items())
            if h.quantity != 0
        )

    def holding(self, instrument_id: str) -> Holding:
        return self.holdings.get(instrument_id, Holding())

    def total(self, currency: str) -> Decimal:
        return self.totals.get(currency, _ZERO)

    def snapshot(self, balances: Iterable[Balance]) -> VenueSnapshot:
        return VenueSnapshot(
            orders=tuple(o.snapshot() for o in self.orders.values()),
            fills=tuple(f for iid in sorted(self.fills) for f in self.fills[iid]),
            positions=self.positions(),
            balances=tuple(balances),
            order_count=self.order_count,
            trade_count=self.trade_count,
            triggered=tuple(o.venue_order_id for o in self.orders.values() if o.triggered),
        )

    # --- the one mutator ---------------------------------------------------------------

    def apply(self, event: VenueEvent) -> None:
        if isinstance(event, VenueOpened):
            if self.venue is not None:
                raise _corrupt(event, "the venue was already opened")
            self.venue = event.venue
            self.totals = dict(event.balances)
            return
        if self.venue is None:
            raise _corrupt(event, "the journal does not start with the venue's opening")
        if isinstance(event, OrderPlaced):
            self._place(event)
            return
        order = self.orders.get(event.venue_order_id)
        if order is None or not order.is_working:
            raise _corrupt(event, f"order {event.venue_order_id!r} is unknown or not working")
        if isinstance(event, OrderTriggered):
            self._store(replace(order, triggered=True, updated_at=event.time))
        elif isinstance(event, OrderFilled):
            self._fill(order, event)
        else:
            self._close(order, event)

    def _place(self, event: OrderPlaced) -> None:
        if event.venue_order_id in self.orders:
            raise _corrupt(event, f"venue order id {event.venue_order_id!r} is used twice")
        self.order_count += 1
        request = event.request
        order = SimOrder(
            seq=self.order_count,
            venue_order_id=event.venue_order_id,
            request=request,
            status=event.status,
            created_at=event.time,
            eligible_at=event.eligible_at,
            updated_at=event.time,
            lock_price=event.lock_price,
            reason=event.reason,
        )
        self.orders[order.venue_order_id] = order
        if order.is_working:
            self.working[order.venue_order_id] = order
            self._hold(order, 1)
        key = (request.instrument_id, request.client_order_id)
        previous = self.by_client.get(key)
        if previous is None or not self.orders[previous].is_working:
            self.by_client[key] = order.venue_order_id

    def _store(self, order: SimOrder) -> None:
        voi = order.venue_order_id
        previous = self.working.get(voi)
        if previous is not None:
            self._hold(previous, -1)
        self.orders[voi] = order
        if order.is_working:
            self.working[voi] = order  # an existing key keeps its place: submission order
            self._hold(order, 1)
        else:
            self.working.pop(voi, None)

    def _hold(self, order: SimOrder, sign: int) -> None:
        held = self._reserve(order)
        if held is not None:
            currency, amount = held
            self.reserved[currency] = self.reserved.get(currency, _ZERO) + sign * amount

    def _fill(self, order: SimOrder, event: OrderFilled) -> None:
        request = order.request
        instrument = self.instruments.get(request.instrument_id)
        if instrument is None:
            raise ConfigurationError(
                f"The venue journal has fills of {request.instrument_id!r}, which is not "
                "among the simulated venue's instruments.",
                hint="Open the venue with the instruments it traded before the restart.",
            )
        filled = order.filled_quantity + event.quantity
        if event.quantity <= 0 or filled > request.quantity:
            raise _corrupt(event, f"fill of {event.quantity} overfills {order.venue_order_id!r}")
        status = OrderStatus.FILLED if filled == request.quantity else OrderStatus.PARTIALLY_FILLED
        self._store(
            replace(
                order,
                status=status,
                filled_quantity=filled,
                filled_notional=order.filled_notional + event.quantity * event.price,
                updated_at=event.time,
            )
        )
        self.trade_count += 1
        quote = instrument.quote_currency
        self.fills.setdefault(instrument.id, []).append(
            Fill(
                trade_id=event.trade_id,
                client_order_id=request.client_order_id,
                instrument_id=instrument.id,
                side=request.side,
                quantity=event.quantity,
                price=event.price,
                time=event.time,
                fee=event.fee,
                fee_currency=quote,
                liquidity=event.liquidity,
            )
        )
        signed = event.quantity * request.side.sign
        holding, realized = self.holding(instrument.id).after(signed, event.price)
        self.holdings[instrument.id] = holding
        notional = event.quantity * event.price * instrument.multiplier
        base = spot_base(instrument)
        if base is not None:
            self._add(base, signed)
            self._add(quote, -notional * request.side.sign - event.fee)
        else:
            self._add(quote, realized * instrument.multiplier - event.fee)

    def _close(self, order: SimOrder, event: OrderClosed) -> None:
        if event.status not in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            raise _corrupt(event, f"an order cannot be closed as {event.status.value}")
        self._store(replace(order, status=event.status, updated_at=event.time, reason=event.reason))

    def _add(self, currency: str, amount: Decimal) -> None:
        self.totals[currency] = self.total(currency) + amount


def _corrupt(event: VenueEvent, what: str) -> IntegrityError:
    return IntegrityError(
        f"Venue event {event!r} cannot be applied: {what}.",
        hint="The venue journal is inconsistent (edited, or mixed from two venues); restore "
        "it or start a new journal.",
    )


__all__ = ["Holding", "SimOrder", "VenueSnapshot", "VenueState", "spot_base"]
