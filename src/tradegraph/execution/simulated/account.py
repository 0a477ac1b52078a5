"""Balance reservations and how much an order may fill, for the simulated venue.

A working spot order reserves what it may spend: a sell its remaining base quantity, a
buy its remaining quantity x ``lock_price`` (limit, stop, or the last price for a
market order) plus the highest fee rate and the fixed fee, in the quote currency.
``free = total - reservations``. When a fill comes, the account decides how much of it
is affordable (spot), allowed to go short (``allow_short`` for other instruments) or
reduces the position (``reduce_only``); the venue fills that and cancels the rest.
Non-spot instruments have no margin model: their buys are never limited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from tradegraph.core.precision import Rounding, round_quantity
from tradegraph.execution.simulated.config import SimulatedVenueConfig
from tradegraph.execution.simulated.state import SimOrder, VenueState, spot_base
from tradegraph.model.enums import Side
from tradegraph.model.instrument import Instrument

_ZERO = Decimal(0)
_ONE = Decimal(1)


def reservation(
    order: SimOrder, instrument: Instrument, config: SimulatedVenueConfig
) -> tuple[str, Decimal] | None:
    """(currency, amount) a working order holds back, or None."""
    base = spot_base(instrument)
    if base is None:
        return None
    if order.request.side is Side.SELL:
        return base, order.remaining
    if order.lock_price is None:
        return None
    rate = max(config.commission_pct, config.maker_rate)
    amount = order.remaining * order.lock_price * instrument.multiplier * (_ONE + rate)
    return instrument.quote_currency, amount + config.commission_fixed


def free_balance(
    state: VenueState,
    currency: str,
    config: SimulatedVenueConfig,
    exclude: str | None = None,
) -> Decimal:
    """``currency``'s total less what working orders (but ``exclude``) reserve."""
    free = state.total(currency) - state.reserved.get(currency, _ZERO)
    own = state.working.get(exclude) if exclude is not None else None
    if own is not None:
        held = reserver(state, config)(own)
        if held is not None and held[0] == currency:
            free += held[1]
    return free


def reserver(
    state: VenueState | Mapping[str, Instrument], config: SimulatedVenueConfig
) -> Callable[[SimOrder], tuple[str, Decimal] | None]:
    """``reservation`` as a function of the order alone (for ``VenueState``)."""
    instruments = state.instruments if isinstance(state, VenueState) else state

    def reserve(order: SimOrder) -> tuple[str, Decimal] | None:
        instrument = instruments.get(order.request.instrument_id)
        return None if instrument is None else reservation(order, instrument, config)

    return reserve


def position_limit(
    state: VenueState, instrument: Instrument, side: Side, reduce_only: bool, allow_short: bool
) -> Decimal | None:
    """How much a ``side`` order may trade before it would open a position it may not
    (reduce-only past flat, or a short when shorts are not allowed); None: no limit."""
    position = state.holding(instrument.id).quantity
    limit: Decimal | None = None
    if reduce_only:
        limit = max(-position * side.sign, _ZERO)
    if side is Side.SELL and not allow_short and spot_base(instrument) is None:
        long = max(position, _ZERO)
        limit = long if limit is None else min(limit, long)
    return limit


def fill_limit(
    state: VenueState,
    order: SimOrder,
    instrument: Instrument,
    *,
    price: Decimal,
    rate: Decimal,
    config: SimulatedVenueConfig,
) -> Decimal | None:
    """The most of ``order`` that may fill now at ``price`` (whole lots); None: no limit."""
    request = order.request
    limit = position_limit(state, instrument, request.side, request.reduce_only, config.allow_short)
    base = spot_base(instrument)
    if base is None:
        return limit
    if request.side is Side.SELL:
        spendable = free_balance(state, base, config, exclude=order.venue_order_id)
        cap = round_quantity(max(spendable, _ZERO), instrument.lot_size, Rounding.DOWN)
    else:
        cash = free_balance(state, instrument.quote_currency, config, exclude=order.venue_order_id)
        unit = price * instrument.multiplier * (_ONE + rate)
        budget = max(cash - config.commission_fixed, _ZERO)
        cap = round_quantity(budget / unit, instrument.lot_size, Rounding.DOWN)
    return cap if limit is None else min(cap, limit)


__all__ = ["fill_limit", "free_balance", "position_limit", "reservation", "reserver"]
