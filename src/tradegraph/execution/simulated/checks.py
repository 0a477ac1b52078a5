"""Acceptance checks of the simulated venue: why an order request is rejected.

The answer is a reason string ("" when the order is acceptable); the venue turns a
reason into a REJECTED ``VenueOrder`` snapshot, never an exception, like a real venue:
unknown instrument, client id too long, unsupported time in force, missing or
non-positive prices, price or stop off the tick grid, quantity off the lot grid, below
the minimum notional, a reduce-only order that cannot reduce, a short where shorts are
not allowed, or (spot) more than the free balance.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradegraph.core.precision import is_on_grid
from tradegraph.execution.ports import Capabilities, OrderRequest
from tradegraph.execution.simulated.account import free_balance, position_limit, reservation
from tradegraph.execution.simulated.config import SimulatedVenueConfig
from tradegraph.execution.simulated.state import SimOrder, VenueState, spot_base
from tradegraph.model.enums import OrderType
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def lock_price(request: OrderRequest, reference: Decimal | None) -> Decimal | None:
    """The price a buy's reservation is computed from: its limit, else its stop, else
    (market) the last known price."""
    if request.order_type.needs_price:
        return request.price
    if request.order_type is OrderType.STOP:
        return request.stop_price
    return reference


def _prices(request: OrderRequest, instrument: Instrument) -> str:
    kind = request.order_type.value
    if request.order_type.needs_price and request.price is None:
        return f"a {kind} order needs a limit price"
    if request.order_type.needs_stop_price and request.stop_price is None:
        return f"a {kind} order needs a stop price"
    for name, value in (("price", request.price), ("stop price", request.stop_price)):
        if value is None:
            continue
        if not value.is_finite() or value <= 0:
            return f"{name} {value} is not positive"
        if not is_on_grid(value, instrument.tick_size):
            return (
                f"{name} {value} is not a multiple of the tick size {instrument.tick_size} "
                f"of {instrument.id}"
            )
    return ""


def rejection_reason(
    request: OrderRequest,
    instrument: Instrument | None,
    state: VenueState,
    *,
    config: SimulatedVenueConfig,
    capabilities: Capabilities,
    reference: Decimal | None,
) -> str:
    """Why ``request`` is rejected ("" when it is acceptable). ``reference`` is the last
    known price of the instrument (None before any bar or quote)."""
    if instrument is None:
        return f"unknown instrument {request.instrument_id!r} on venue {config.venue!r}"
    limit = capabilities.client_order_id_max_length
    if len(request.client_order_id) > limit:
        return f"client order id is longer than {limit} characters"
    if not capabilities.supports(request.order_type):
        return f"order type {request.order_type.value} is not supported"
    if request.time_in_force not in capabilities.time_in_force:
        allowed = ", ".join(sorted(t.value for t in capabilities.time_in_force))
        return f"time in force {request.time_in_force.value} is not supported ({allowed})"
    reason = _prices(request, instrument)
    if reason:
        return reason
    qty = request.quantity
    if not is_on_grid(qty, instrument.lot_size):
        return (
            f"quantity {qty} is not a multiple of the lot size {instrument.lot_size} "
            f"of {instrument.id}"
        )
    price = lock_price(request, reference)
    if price is not None and not instrument.accepts_notional(price, qty):
        return (
            f"notional {qty * price} is below the minimum {instrument.min_notional} "
            f"of {instrument.id}"
        )
    return _account(request, instrument, state, config, price)


def _account(
    request: OrderRequest,
    instrument: Instrument,
    state: VenueState,
    config: SimulatedVenueConfig,
    price: Decimal | None,
) -> str:
    side, qty = request.side, request.quantity
    limit = position_limit(state, instrument, side, request.reduce_only, config.allow_short)
    if limit is not None and limit == 0 and request.reduce_only:
        return f"reduce-only {side.value} would not reduce the position in {instrument.id}"
    if limit is not None and qty > limit and not request.reduce_only:
        return (
            f"{side.value} of {qty} would open a short position in {instrument.id} "
            "(shorts are not allowed on this venue)"
        )
    base = spot_base(instrument)
    if base is None:
        return ""
    probe = SimOrder(  # the order as it would rest, to price its reservation
        seq=0,
        venue_order_id="",
        request=request,
        status=OrderStatus.ACCEPTED,
        created_at=_EPOCH,
        eligible_at=_EPOCH,
        updated_at=_EPOCH,
        lock_price=price,
    )
    held = reservation(probe, instrument, config)
    if held is None:
        return ""
    currency, needed = held
    free = free_balance(state, currency, config)
    if needed > free:
        return f"insufficient balance: needs {needed} {currency}, {free} {currency} is free"
    return ""


__all__ = ["lock_price", "rejection_reason"]
