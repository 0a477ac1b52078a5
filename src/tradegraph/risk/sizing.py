"""Position sizing: fixed-fractional from the stop distance, confidence scaling, ATR stops,
volatility targeting and capped Kelly — rounded down to the lot and checked against the
venue's min notional. Exact ``Decimal`` arithmetic: after rounding, the loss at the stop
never exceeds the risk budget.

``size_intent`` turns an ``Intent`` into a ``SizingResult``; ``propose_order`` turns that
into a ``ProposedOrder`` for the pre-trade check. (Backtests use ``kernels.risk_quantity``,
the float twin of ``fixed_fractional``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import Rounding, to_decimal
from tradegraph.model.enums import Direction, OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.risk.checks import floor_to_lot
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.config import RiskConfig, SizingMethod
from tradegraph.risk.request import ProposedOrder
from tradegraph.risk.stops import atr_stop, round_stop

_ZERO = Decimal(0)
Number = Decimal | float | int | str


@dataclass(frozen=True, slots=True)
class SizingResult:
    """A sized trade. ``quantity`` is 0 when it cannot be sized (``reasons`` say why).

    ``budget`` = equity x ``risk_fraction``; ``risk_amount`` = quantity x |entry - stop| x
    multiplier, the loss if the (tick-rounded) stop is hit, always <= ``budget``.
    """

    quantity: Decimal
    entry: Decimal
    stop: Decimal | None
    risk_fraction: Decimal
    budget: Decimal
    risk_amount: Decimal
    reasons: tuple[ReasonCode, ...] = ()

    @property
    def ok(self) -> bool:
        return self.quantity > 0


def _positive(name: str, value: Number) -> Decimal:
    number = to_decimal(value, name)
    if number <= 0:
        raise ValidationError(f"{name} must be positive, got {value!r}.", hint=f"Check {name}.")
    return number


def fixed_fractional(
    equity: Number, risk_fraction: Number, entry: Number, stop: Number, instrument: Instrument
) -> SizingResult:
    """Risk ``risk_fraction`` of ``equity`` between ``entry`` and ``stop``.

    The stop is first rounded to the tick grid away from the entry, then the quantity is
    floored to the lot so that ``risk_amount <= budget`` exactly.
    """
    equity_d = to_decimal(equity, "equity")
    fraction = to_decimal(risk_fraction, "risk_fraction")
    entry_d = _positive("entry", entry)
    stop_raw = _positive("stop", stop)
    if stop_raw == entry_d:
        return SizingResult(
            _ZERO, entry_d, stop_raw, fraction, _ZERO, _ZERO, (ReasonCode.INVALID_STOP,)
        )
    direction = Direction.LONG if stop_raw < entry_d else Direction.SHORT
    stop_d = round_stop(instrument, stop_raw, direction)
    budget = equity_d * fraction if equity_d > 0 and fraction > 0 else _ZERO
    if stop_d <= 0:
        return SizingResult(
            _ZERO, entry_d, stop_d, fraction, budget, _ZERO, (ReasonCode.INVALID_STOP,)
        )
    per_unit = abs(entry_d - stop_d) * instrument.multiplier
    if budget <= 0:
        return SizingResult(
            _ZERO, entry_d, stop_d, fraction, budget, _ZERO, (ReasonCode.RISK_PER_TRADE,)
        )
    quantity = floor_to_lot(budget / per_unit, instrument.lot_size)
    while quantity > 0 and quantity * per_unit > budget:
        quantity -= instrument.lot_size
    return _finish(
        quantity,
        entry=entry_d,
        stop=stop_d,
        fraction=fraction,
        budget=budget,
        per_unit=per_unit,
        instrument=instrument,
    )


def _finish(
    quantity: Decimal,
    *,
    entry: Decimal,
    stop: Decimal | None,
    fraction: Decimal,
    budget: Decimal,
    per_unit: Decimal,
    instrument: Instrument,
    reason_if_zero: ReasonCode = ReasonCode.RISK_PER_TRADE,
) -> SizingResult:
    if quantity <= 0:
        return SizingResult(_ZERO, entry, stop, fraction, budget, _ZERO, (reason_if_zero,))
    if quantity * entry * instrument.multiplier < instrument.min_notional:
        return SizingResult(
            _ZERO, entry, stop, fraction, budget, _ZERO, (ReasonCode.BELOW_MIN_NOTIONAL,)
        )
    return SizingResult(quantity, entry, stop, fraction, budget, quantity * per_unit)


def volatility_target_quantity(
    equity: Number,
    target_volatility: Number,
    instrument_volatility: Number,
    price: Number,
    instrument: Instrument,
) -> Decimal:
    """Quantity whose notional has ``target_volatility`` (annualised, fraction of equity)
    given the instrument's annualised volatility; floored to the lot."""
    equity_d = to_decimal(equity, "equity")
    if equity_d <= 0:
        return _ZERO
    notional = equity_d * to_decimal(target_volatility, "target_volatility")
    notional /= _positive("instrument_volatility", instrument_volatility)
    unit = _positive("price", price) * instrument.multiplier
    return floor_to_lot(notional / unit, instrument.lot_size)


def kelly_fraction(win_rate: float, payoff_ratio: float) -> float:
    """Full Kelly fraction ``p - (1 - p) / b`` for win rate ``p`` and payoff ratio ``b``
    (average win / average loss). Negative means no edge."""
    if not 0.0 <= win_rate <= 1.0 or math.isnan(win_rate):
        raise ValidationError(f"win_rate must be in [0, 1], got {win_rate}.", hint="Use e.g. 0.55.")
    if not math.isfinite(payoff_ratio) or payoff_ratio <= 0:
        raise ValidationError(
            f"payoff_ratio must be positive, got {payoff_ratio}.",
            hint="Average win divided by average loss, e.g. 1.5.",
        )
    return win_rate - (1.0 - win_rate) / payoff_ratio


def kelly_risk_fraction(
    win_rate: float, payoff_ratio: float, scale: Number, cap: Number
) -> Decimal:
    """Equity fraction to risk per trade: ``scale`` x Kelly, clamped to [0, ``cap``]."""
    raw = to_decimal(kelly_fraction(win_rate, payoff_ratio), "kelly") * to_decimal(scale, "scale")
    return min(max(raw, _ZERO), to_decimal(cap, "cap"))


def size_intent(
    intent: Intent,
    instrument: Instrument,
    equity: Number,
    config: RiskConfig,
    *,
    price: Number | None = None,
    atr: float | None = None,
    volatility: float | None = None,
    win_rate: float | None = None,
    payoff_ratio: float | None = None,
) -> SizingResult:
    """Size ``intent`` by ``config.sizing``.

    Entry is ``intent.entry`` or ``price`` (the market). The stop is ``intent.stop`` or
    ``config.atr_stop_multiple`` ATRs from the entry. FIXED_FRACTIONAL risks
    ``config.risk_fraction(confidence)``; KELLY risks the capped Kelly fraction (needs
    ``win_rate`` and ``payoff_ratio``); VOLATILITY_TARGET sizes by ``volatility`` (annualised)
    scaled by confidence, never risking more than ``risk_per_trade_max`` to the stop.
    """
    if intent.direction is Direction.FLAT:
        raise ValidationError(
            f"Intent for {intent.instrument_id} is FLAT: there is nothing to size.",
            hint="A flat intent closes positions; send a risk-reducing order instead.",
        )
    entry_value = intent.entry if intent.entry is not None else price
    if entry_value is None:
        raise ValidationError(
            f"Intent for {intent.instrument_id} has no entry price and no market price was given.",
            hint="Pass price=<last price> for market entries.",
        )
    entry = _positive("entry", entry_value)
    stop_value: Number | None = intent.stop
    if stop_value is None and atr is not None and math.isfinite(atr) and atr > 0:
        stop_value = atr_stop(intent.direction, float(entry), atr, float(config.atr_stop_multiple))
    method = config.sizing
    if method is SizingMethod.VOLATILITY_TARGET:
        return _size_volatility(
            intent,
            instrument,
            equity=equity,
            config=config,
            entry=entry,
            stop_value=stop_value,
            volatility=volatility,
        )
    if stop_value is None or to_decimal(stop_value, "stop") <= 0:
        reason = ReasonCode.MISSING_STOP if stop_value is None else ReasonCode.INVALID_STOP
        return SizingResult(_ZERO, entry, None, _ZERO, _ZERO, _ZERO, (reason,))
    if method is SizingMethod.KELLY:
        if win_rate is None or payoff_ratio is None:
            raise ValidationError(
                "KELLY sizing needs win_rate and payoff_ratio.",
                hint="Pass the strategy's measured win rate and average win/loss ratio.",
            )
        fraction = min(
            kelly_risk_fraction(win_rate, payoff_ratio, config.kelly_scale, config.kelly_cap),
            config.risk_per_trade_max,
        )
    else:
        fraction = config.risk_fraction(intent.confidence)
    return fixed_fractional(equity, fraction, entry, stop_value, instrument)


def _size_volatility(
    intent: Intent,
    instrument: Instrument,
    *,
    equity: Number,
    config: RiskConfig,
    entry: Decimal,
    stop_value: Number | None,
    volatility: float | None,
) -> SizingResult:
    if volatility is None:
        raise ValidationError(
            "VOLATILITY_TARGET sizing needs the instrument's annualised volatility.",
            hint="Pass volatility=<annualised stdev of returns>, e.g. 0.6 for 60 %.",
        )
    target = config.volatility_target * to_decimal(intent.confidence, "confidence")
    quantity = volatility_target_quantity(equity, target, volatility, entry, instrument)
    fraction = config.risk_per_trade_max
    if stop_value is None:
        if config.require_stop:
            return SizingResult(
                _ZERO, entry, None, fraction, _ZERO, _ZERO, (ReasonCode.MISSING_STOP,)
            )
        budget = to_decimal(equity, "equity") * fraction
        return _finish(
            quantity,
            entry=entry,
            stop=None,
            fraction=fraction,
            budget=budget,
            per_unit=_ZERO,
            instrument=instrument,
            reason_if_zero=ReasonCode.VOLATILITY_TARGET,
        )
    capped = fixed_fractional(equity, fraction, entry, stop_value, instrument)
    if capped.quantity <= 0:
        return capped
    final = min(quantity, capped.quantity)
    per_unit = abs(entry - (capped.stop or entry)) * instrument.multiplier
    return _finish(
        final,
        entry=entry,
        stop=capped.stop,
        fraction=fraction,
        budget=capped.budget,
        per_unit=per_unit,
        instrument=instrument,
        reason_if_zero=ReasonCode.VOLATILITY_TARGET,
    )


def propose_order(
    intent: Intent,
    instrument: Instrument,
    sizing: SizingResult,
    *,
    order_type: OrderType = OrderType.MARKET,
    time: datetime | None = None,
    client_order_id: str = "",
) -> ProposedOrder:
    """The order for a sized intent, with the stop and the (tick-rounded, toward the
    entry) target as its bracket. LIMIT orders rest at the entry rounded in your favour."""
    if not sizing.ok:
        raise ValidationError(
            f"Cannot build an order for {intent.instrument_id}: sizing gave quantity 0 "
            f"({', '.join(r.value for r in sizing.reasons)}).",
            hint="Check SizingResult.ok before proposing an order.",
        )
    long = intent.direction is Direction.LONG
    side = Side.BUY if long else Side.SELL
    target = None
    if intent.target is not None:
        target = instrument.round_price(intent.target, Rounding.DOWN if long else Rounding.UP)
    price = None
    if order_type is OrderType.LIMIT:
        price = instrument.round_price(sizing.entry, Rounding.DOWN if long else Rounding.UP)
    elif order_type is not OrderType.MARKET:
        raise ValidationError(
            f"propose_order builds MARKET or LIMIT entries, got {order_type.value}.",
            hint="Build stop entries with ProposedOrder directly.",
        )
    return ProposedOrder(
        instrument=instrument,
        side=side,
        quantity=sizing.quantity,
        order_type=order_type,
        price=price,
        time=time,
        client_order_id=client_order_id,
        stop_loss=sizing.stop,
        take_profit=target,
    )


__all__ = [
    "SizingResult",
    "fixed_fractional",
    "kelly_fraction",
    "kelly_risk_fraction",
    "propose_order",
    "size_intent",
    "volatility_target_quantity",
]
