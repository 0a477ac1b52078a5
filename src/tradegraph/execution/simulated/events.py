"""Venue events: every state change of the simulated venue, as immutable values, and
their JSON codec.

The venue is event-sourced: it decides on an event, appends it to its ``VenueJournal``
and only then applies it to its state, so replaying a journal rebuilds exactly the
state the venue had (orders, fills, id counters, balances, positions). The codec maps
each event to one flat JSON object (``Decimal`` as strings, times as ISO-8601 UTC) for
journals that store text; ``decode_event(encode_event(e)) == e`` for every event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from tradegraph.core.errors import IntegrityError, ValidationError
from tradegraph.execution.ports import OrderRequest
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.order import OrderStatus

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class VenueOpened:
    """The first event of every journal: the venue's name and starting balances."""

    time: datetime
    venue: str
    balances: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """An order arrived: ``status`` is ACCEPTED (working) or REJECTED (with ``reason``).

    ``eligible_at`` is the earliest bar open / quote time it may trade at (submit time
    plus latency); ``lock_price`` the price its balance reservation is computed from."""

    time: datetime
    venue_order_id: str
    request: OrderRequest
    status: OrderStatus
    eligible_at: datetime
    lock_price: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderTriggered:
    """A stop-limit order's stop was touched: from now on it is a limit order."""

    time: datetime
    venue_order_id: str


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """One execution; ``fee`` is in the instrument's quote currency."""

    time: datetime
    venue_order_id: str
    trade_id: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    liquidity: Liquidity


@dataclass(frozen=True, slots=True)
class OrderClosed:
    """A working order ended without (further) fills: CANCELED or EXPIRED."""

    time: datetime
    venue_order_id: str
    status: OrderStatus
    reason: str = ""


VenueEvent = VenueOpened | OrderPlaced | OrderTriggered | OrderFilled | OrderClosed

JSONScalar = str | bool | int | None
EncodedEvent = dict[str, JSONScalar | dict[str, str]]


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def encode_event(event: VenueEvent) -> EncodedEvent:
    """The event as one JSON-ready object (``type`` names the event)."""
    base: EncodedEvent = {"v": FORMAT_VERSION, "time": _time(event.time)}
    if isinstance(event, VenueOpened):
        return {
            **base,
            "type": "opened",
            "venue": event.venue,
            "balances": {c: str(a) for c, a in event.balances},
        }
    if isinstance(event, OrderPlaced):
        r = event.request
        return {
            **base,
            "type": "placed",
            "venue_order_id": event.venue_order_id,
            "status": event.status.value,
            "eligible_at": _time(event.eligible_at),
            "lock_price": _opt(event.lock_price),
            "reason": event.reason,
            "client_order_id": r.client_order_id,
            "instrument_id": r.instrument_id,
            "side": r.side.value,
            "order_type": r.order_type.value,
            "quantity": str(r.quantity),
            "price": _opt(r.price),
            "stop_price": _opt(r.stop_price),
            "time_in_force": r.time_in_force.value,
            "reduce_only": r.reduce_only,
        }
    if isinstance(event, OrderTriggered):
        return {**base, "type": "triggered", "venue_order_id": event.venue_order_id}
    if isinstance(event, OrderFilled):
        return {
            **base,
            "type": "filled",
            "venue_order_id": event.venue_order_id,
            "trade_id": event.trade_id,
            "quantity": str(event.quantity),
            "price": str(event.price),
            "fee": str(event.fee),
            "liquidity": event.liquidity.value,
        }
    return {
        **base,
        "type": "closed",
        "venue_order_id": event.venue_order_id,
        "status": event.status.value,
        "reason": event.reason,
    }


class _Reader:
    """Typed access to one encoded event; any defect is an ``IntegrityError``."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self._data = data

    def fail(self, what: str) -> IntegrityError:
        return IntegrityError(
            f"Venue journal entry {dict(self._data)!r} is invalid: {what}.",
            hint="The journal was edited or written by an incompatible version; restore "
            "it from a backup or start a new journal.",
        )

    def text(self, key: str) -> str:
        value = self._data.get(key)
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string")
        return value

    def opt_str(self, key: str) -> str | None:
        return None if self._data.get(key) is None else self.text(key)

    def flag(self, key: str) -> bool:
        value = self._data.get(key)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false")
        return value

    def decimal(self, key: str) -> Decimal:
        return self._to_decimal(key, self.text(key))

    def opt_decimal(self, key: str) -> Decimal | None:
        text = self.opt_str(key)
        return None if text is None else self._to_decimal(key, text)

    def _to_decimal(self, key: str, text: str) -> Decimal:
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise self.fail(f"{key!r} is not a decimal") from exc
        if not value.is_finite():
            raise self.fail(f"{key!r} is not finite")
        return value

    def time(self, key: str) -> datetime:
        try:
            value = datetime.fromisoformat(self.text(key))
        except ValueError as exc:
            raise self.fail(f"{key!r} is not an ISO-8601 time") from exc
        if value.tzinfo is None:
            raise self.fail(f"{key!r} has no time zone")
        return value.astimezone(UTC)

    def status(self) -> OrderStatus:
        try:
            return OrderStatus(self.text("status"))
        except ValueError as exc:
            raise self.fail("unknown status") from exc

    def balances(self) -> tuple[tuple[str, Decimal], ...]:
        raw = self._data.get("balances")
        if not isinstance(raw, Mapping):
            raise self.fail("'balances' must be an object")
        return tuple((str(c), _Reader(raw).decimal(str(c))) for c in sorted(raw, key=str))


def decode_event(data: Mapping[str, object]) -> VenueEvent:
    """The event ``encode_event`` produced; raises ``IntegrityError`` on bad input."""
    r = _Reader(data)
    if data.get("v") != FORMAT_VERSION:
        raise r.fail(f"format version {data.get('v')!r} is not {FORMAT_VERSION}")
    kind = r.text("type")
    time = r.time("time")
    try:
        if kind == "opened":
            return VenueOpened(time, r.text("venue"), r.balances())
        if kind == "placed":
            request = OrderRequest(
                client_order_id=r.text("client_order_id"),
                instrument_id=r.text("instrument_id"),
                side=Side(r.text("side")),
                order_type=OrderType(r.text("order_type")),
                quantity=r.decimal("quantity"),
                price=r.opt_decimal("price"),
                stop_price=r.opt_decimal("stop_price"),
                time_in_force=TimeInForce(r.text("time_in_force")),
                reduce_only=r.flag("reduce_only"),
            )
            return OrderPlaced(
                time,
                r.text("venue_order_id"),
                request,
                r.status(),
                r.time("eligible_at"),
                r.opt_decimal("lock_price"),
                r.text("reason"),
            )
        if kind == "triggered":
            return OrderTriggered(time, r.text("venue_order_id"))
        if kind == "filled":
            return OrderFilled(
                time,
                r.text("venue_order_id"),
                r.text("trade_id"),
                r.decimal("quantity"),
                r.decimal("price"),
                r.decimal("fee"),
                Liquidity(r.text("liquidity")),
            )
        if kind == "closed":
            return OrderClosed(time, r.text("venue_order_id"), r.status(), r.text("reason"))
    except (ValueError, ValidationError) as exc:  # an enum value or an OrderRequest check
        raise r.fail(str(exc)) from exc
    raise r.fail(f"unknown event type {kind!r}")


__all__ = [
    "EncodedEvent",
    "OrderClosed",
    "OrderFilled",
    "OrderPlaced",
    "OrderTriggered",
    "VenueEvent",
    "VenueOpened",
    "decode_event",
    "encode_event",
]
