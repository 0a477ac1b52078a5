"""AccountSnapshot: the frozen account and market state a pre-trade check reads.

Derived figures (per-instrument worst-case exposure, gross exposure, order ids and
signatures, sorted order times) are computed once when the snapshot is built, so one
snapshot can check many orders cheaply.

Exposure of an instrument is ``max(|position + pending buys|, |position - pending sells|)
* price * multiplier``: the largest notional it could reach if every working order on one
side filled. Reduce-only working orders never add exposure and are left out. The price is
the last price, else the position's average price, else the highest price among its
working orders.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import Order
from tradegraph.model.position import Position
from tradegraph.risk.correlation import EMPTY_CORRELATIONS, CorrelationMatrix

_ZERO = Decimal(0)
_ONE = Decimal(1)

Signature = tuple[str, Side, OrderType, Decimal, Decimal | None, Decimal | None]


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise ValidationError(
            f"{what} must be timezone-aware UTC, got {value!r}.",
            hint="Take times from a tradegraph.core.clock.Clock.",
        )


@dataclass(frozen=True, slots=True)
class PriceMark:
    """The last known price of an instrument and when it was observed."""

    price: Decimal
    time: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price <= 0:
            raise ValidationError(
                f"PriceMark price must be a positive Decimal, got {self.price!r}.",
                hint="Drop marks without a valid trade or quote.",
            )
        _aware(self.time, "PriceMark time")


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """An order sent recently (any state): feeds the rate limit and duplicate detection."""

    time: datetime
    instrument_id: str
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    price: Decimal | None = None
    stop_price: Decimal | None = None
    client_order_id: str = ""

    def __post_init__(self) -> None:
        _aware(self.time, "RecentOrder time")

    @classmethod
    def from_order(cls, order: Order) -> RecentOrder:
        return cls(
            time=order.created_at,
            instrument_id=order.instrument_id,
            side=order.side,
            quantity=order.quantity,
            order_type=order.order_type,
            price=order.price,
            stop_price=order.stop_price,
            client_order_id=order.client_order_id,
        )

    @property
    def signature(self) -> Signature:
        return (
            self.instrument_id,
            self.side,
            self.order_type,
            self.quantity,
            self.price,
            self.stop_price,
        )


@dataclass(frozen=True, slots=True)
class InstrumentExposure:
    """Position and working (non-reduce-only) order quantities of one instrument."""

    instrument_id: str
    position: Decimal
    pending_buy: Decimal
    pending_sell: Decimal
    price: Decimal
    multiplier: Decimal

    @property
    def long_worst(self) -> Decimal:
        """Position if every working buy filled."""
        return self.position + self.pending_buy

    @property
    def short_worst(self) -> Decimal:
        """Position if every working sell filled."""
        return self.position - self.pending_sell

    @property
    def notional(self) -> Decimal:
        """Worst-case absolute notional exposure."""
        return max(abs(self.long_worst), abs(self.short_worst)) * self.price * self.multiplier


def _freeze(mapping: Mapping[str, object]) -> MappingProxyType[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Equity, positions, working orders, last prices, recent orders and period P&L.

    ``daily_pnl`` / ``monthly_pnl`` are the P&L since the start of the UTC day / month (so
    the starting equity is ``equity - pnl``). ``instruments`` supplies contract multipliers
    of held instruments (1 when absent). ``correlations`` feeds the correlation gate.
    """

    equity: Decimal
    positions: tuple[Position, ...] = ()
    open_orders: tuple[Order, ...] = ()
    last_prices: Mapping[str, PriceMark] = field(default_factory=lambda: MappingProxyType({}))
    recent_orders: tuple[RecentOrder, ...] = ()
    daily_pnl: Decimal = _ZERO
    monthly_pnl: Decimal = _ZERO
    instruments: Mapping[str, Instrument] = field(default_factory=lambda: MappingProxyType({}))
    correlations: CorrelationMatrix = EMPTY_CORRELATIONS

    exposures: Mapping[str, InstrumentExposure] = field(init=False, repr=False, compare=False)
    gross_exposure: Decimal = field(init=False, repr=False, compare=False)
    order_ids: frozenset[str] = field(init=False, repr=False, compare=False)
    signatures: Mapping[str, tuple[tuple[Signature, datetime], ...]] = field(
        init=False, repr=False, compare=False
    )
    """Latest time of each order signature, grouped by instrument id."""
    order_times: tuple[datetime, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("equity", "daily_pnl", "monthly_pnl"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValidationError(
                    f"AccountSnapshot {name} must be a finite Decimal, got {value!r}.",
                    hint="Convert account figures with tradegraph.core.precision.to_decimal.",
                )
        object.__setattr__(self, "positions", tuple(self.positions))
        object.__setattr__(self, "open_orders", tuple(self.open_orders))
        object.__setattr__(self, "recent_orders", tuple(self.recent_orders))
        object.__setattr__(self, "last_prices", _freeze(self.last_prices))
        object.__setattr__(self, "instruments", _freeze(self.instruments))
        self._derive()

    def _derive(self) -> None:
        position: dict[str, Decimal] = {}
        avg: dict[str, Decimal] = {}
        for p in self.positions:
            if p.instrument_id in position:
                raise ValidationError(
                    f"AccountSnapshot has two positions in {p.instrument_id}.",
                    hint="Pass one net position per instrument.",
                )
            position[p.instrument_id] = p.quantity
            avg[p.instrument_id] = p.average_price
        buys: dict[str, Decimal] = {}
        sells: dict[str, Decimal] = {}
        order_price: dict[str, Decimal] = {}
        ids: set[str] = set()
        signatures: dict[Signature, datetime] = {}
        for order in self.open_orders:
            if order.status.is_terminal:
                continue
            ids.add(order.client_order_id)
            recent = RecentOrder.from_order(order)
            _latest(signatures, recent.signature, recent.time)
            if order.reduce_only:
                continue
            book = buys if order.side is Side.BUY else sells
            iid = order.instrument_id
            book[iid] = book.get(iid, _ZERO) + order.remaining_quantity
            for price in (order.price, order.stop_price):
                if price is not None and price > order_price.get(iid, _ZERO):
                    order_price[iid] = price
        for recent in self.recent_orders:
            if recent.client_order_id:
                ids.add(recent.client_order_id)
            _latest(signatures, recent.signature, recent.time)
        exposures: dict[str, InstrumentExposure] = {}
        gross = _ZERO
        for iid in {*position, *buys, *sells}:
            mark = self.last_prices.get(iid)
            price = (
                mark.price if mark is not None else (avg.get(iid) or order_price.get(iid, _ZERO))
            )
            instrument = self.instruments.get(iid)
            exposure = InstrumentExposure(
                instrument_id=iid,
                position=position.get(iid, _ZERO),
                pending_buy=buys.get(iid, _ZERO),
                pending_sell=sells.get(iid, _ZERO),
                price=price,
                multiplier=instrument.multiplier if instrument is not None else _ONE,
            )
            exposures[iid] = exposure
            gross += exposure.notional
        object.__setattr__(self, "exposures", MappingProxyType(exposures))
        object.__setattr__(self, "gross_exposure", gross)
        object.__setattr__(self, "order_ids", frozenset(ids))
        grouped: dict[str, list[tuple[Signature, datetime]]] = {}
        for signature, time in signatures.items():
            grouped.setdefault(signature[0], []).append((signature, time))
        object.__setattr__(
            self, "signatures", MappingProxyType({k: tuple(v) for k, v in grouped.items()})
        )
        object.__setattr__(self, "order_times", tuple(sorted(r.time for r in self.recent_orders)))

    def position_quantity(self, instrument_id: str) -> Decimal:
        exposure = self.exposures.get(instrument_id)
        return exposure.position if exposure is not None else _ZERO

    def orders_since(self, start: datetime) -> int:
        """Recent orders sent strictly after ``start``."""
        return len(self.order_times) - bisect.bisect_right(self.order_times, start)

    def duplicate_of(
        self, client_order_id: str, signature: Signature, now: datetime, window: timedelta
    ) -> bool:
        """Same client id as a working or recent order, or the same signature within
        ``window`` before ``now``."""
        if client_order_id and client_order_id in self.order_ids:
            return True
        entries = self.signatures.get(signature[0])
        if not entries:
            return False
        start = now - window
        return any(seen >= start and known == signature for known, seen in entries)


def _latest(book: dict[Signature, datetime], key: Signature, time: datetime) -> None:
    previous = book.get(key)
    if previous is None or time > previous:
        book[key] = time


__all__ = ["AccountSnapshot", "InstrumentExposure", "PriceMark", "RecentOrder", "Signature"]
