"""Stop management for live sessions: thin Python wrappers over the ``kernels`` twins.

ATR and percent initial stops, breakeven after +``breakeven_r`` R, trailing (ATR, percent,
chandelier) and a time stop. The backtest kernel calls the same compiled functions with
``StopPolicy.kernel_args()``, so both paths move stops identically.

Per-bar order (no look-ahead): at the fill, ``initial_stop`` (with the ATR known then)
and ``StopState.open``; during bar t test ``stop_triggered`` with the stop set at the
close of t-1; at the close of t call ``on_bar`` to get the stop for t+1, then
``time_stop``. ``BacktestConfig.stop_policy`` runs exactly this sequence in the backtest
kernel (parity: ``tests/unit/backtest/test_bt_stop_parity.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import Rounding
from tradegraph.model.enums import Direction
from tradegraph.model.instrument import Instrument
from tradegraph.risk import kernels


class TrailingKind(StrEnum):
    NONE = "none"
    ATR = "atr"
    PERCENT = "percent"
    CHANDELIER = "chandelier"

    @property
    def code(self) -> int:
        """The integer the kernels take."""
        return _TRAIL_CODES[self]


_TRAIL_CODES = {
    TrailingKind.NONE: kernels.TRAIL_NONE,
    TrailingKind.ATR: kernels.TRAIL_ATR,
    TrailingKind.PERCENT: kernels.TRAIL_PERCENT,
    TrailingKind.CHANDELIER: kernels.TRAIL_CHANDELIER,
}


def _sign(direction: Direction) -> int:
    if direction is Direction.FLAT:
        raise ValidationError(
            "Stops need a LONG or SHORT direction, got FLAT.",
            hint="A flat position has no stop.",
        )
    return direction.sign


def _finite(name: str, value: float, *, positive: bool = True) -> float:
    number = float(value)
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValidationError(
            f"{name} must be a {'positive ' if positive else ''}finite number, got {value!r}.",
            hint=f"Check how {name} was computed.",
        )
    return number


@dataclass(frozen=True, slots=True)
class StopPolicy:
    """How a position's stop is placed and moved."""

    atr_multiple: float = 2.0
    """Initial stop distance in ATRs."""
    atr_period: int = 14
    """Period of the (Wilder) ATR the caller computes for the initial stop and trailing."""
    breakeven_r: float | None = 1.0
    """Move the stop to breakeven once the trade has been this many R in profit."""
    breakeven_offset_r: float = 0.0
    """Where "breakeven" is, in R beyond the entry (0: the entry itself)."""
    trailing: TrailingKind = TrailingKind.NONE
    trail_multiple: float = 3.0
    """ATRs behind the best price (ATR) or the lookback extreme (CHANDELIER)."""
    trail_fraction: float = 0.05
    """Fraction of the best price (PERCENT)."""
    chandelier_period: int = 22
    """Lookback of the highest high / lowest low for CHANDELIER (computed by the caller)."""
    max_bars: int | None = None
    """Time stop: exit after this many bars ..."""
    time_stop_min_r: float = math.inf
    """... unless the trade is at least this many R in profit (inf: always exit)."""

    def __post_init__(self) -> None:
        _finite("atr_multiple", self.atr_multiple)
        if self.breakeven_r is not None:
            _finite("breakeven_r", self.breakeven_r)
        _finite("breakeven_offset_r", self.breakeven_offset_r, positive=False)
        _finite("trail_multiple", self.trail_multiple)
        if not 0.0 < self.trail_fraction < 1.0:
            raise ValidationError(
                f"trail_fraction must be in (0, 1), got {self.trail_fraction}.",
                hint="0.05 trails 5 % behind the best price.",
            )
        for name in ("atr_period", "chandelier_period", "max_bars"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValidationError(
                    f"{name} must be a positive integer, got {value!r}.",
                    hint=f"Use e.g. 22 for {name}, or None where allowed.",
                )
        if math.isnan(self.time_stop_min_r):
            raise ValidationError(
                "time_stop_min_r must not be NaN.", hint="Use math.inf to always exit."
            )

    def kernel_args(self) -> tuple[float, float, int, float, float]:
        """``(breakeven_r, breakeven_offset_r, trail_kind, trail_multiple, trail_fraction)``
        as ``kernels.next_stop`` takes them (NaN: breakeven off)."""
        return (
            math.nan if self.breakeven_r is None else float(self.breakeven_r),
            float(self.breakeven_offset_r),
            self.trailing.code,
            float(self.trail_multiple),
            float(self.trail_fraction),
        )


@dataclass(frozen=True, slots=True)
class StopState:
    """A position's stop bookkeeping. ``best_price`` is the most favourable price seen
    since entry (highest high for a long)."""

    direction: Direction
    entry: float
    initial_stop: float
    stop: float
    best_price: float
    bars_held: int = 0

    @classmethod
    def open(cls, direction: Direction, entry: float, stop: float) -> StopState:
        sign = _sign(direction)
        entry = _finite("entry", entry)
        stop = _finite("stop", stop)
        if sign * (entry - stop) <= 0:
            raise ValidationError(
                f"A {direction.value} stop {stop} is on the wrong side of entry {entry}.",
                hint="A long stop is below entry; a short stop is above it.",
            )
        return cls(direction, entry, stop, stop, entry)

    def r_multiple(self, price: float) -> float:
        return float(
            kernels.r_multiple(self.entry, self.initial_stop, float(price), _sign(self.direction))
        )


def atr_stop(direction: Direction, entry: float, atr: float, multiple: float) -> float:
    """Initial stop ``multiple`` ATRs beyond ``entry``."""
    return float(
        kernels.atr_stop(
            _finite("entry", entry),
            _finite("atr", atr),
            _finite("multiple", multiple),
            _sign(direction),
        )
    )


def initial_stop(
    policy: StopPolicy, direction: Direction, entry: float, atr: float, other: float = math.nan
) -> float:
    """The stop a new position opens with under ``policy``: ``atr_multiple`` ATRs from
    ``entry``, tightened with ``other`` (an explicit stop, e.g. the strategy's; NaN: none),
    so the more protective one wins. NaN when neither exists (no ATR yet, no other stop).

    ``atr`` is the ATR known when the entry fills: the previous bar's for a fill at the
    open or inside a bar, the bar's own for a fill at its close."""
    return float(
        kernels.initial_stop(
            _finite("entry", entry),
            float(atr),
            float(policy.atr_multiple),
            float(other),
            _sign(direction),
        )
    )


def percent_stop(direction: Direction, entry: float, fraction: float) -> float:
    """Initial stop ``fraction`` of ``entry`` away."""
    return float(kernels.percent_stop(_finite("entry", entry), float(fraction), _sign(direction)))


def breakeven_stop(state: StopState, trigger_r: float = 1.0, offset_r: float = 0.0) -> float:
    """``state.stop`` moved to entry + ``offset_r`` R once ``best_price`` reached ``trigger_r`` R."""
    return float(
        kernels.breakeven_stop(
            state.stop,
            state.entry,
            state.initial_stop,
            state.best_price,
            float(trigger_r),
            float(offset_r),
            _sign(state.direction),
        )
    )


def atr_trailing_stop(state: StopState, atr: float, multiple: float) -> float:
    return float(
        kernels.atr_trailing_stop(
            state.stop, state.best_price, float(atr), float(multiple), _sign(state.direction)
        )
    )


def percent_trailing_stop(state: StopState, fraction: float) -> float:
    return float(
        kernels.percent_trailing_stop(
            state.stop, state.best_price, float(fraction), _sign(state.direction)
        )
    )


def chandelier_stop(
    state: StopState, highest_high: float, lowest_low: float, atr: float, multiple: float
) -> float:
    return float(
        kernels.chandelier_stop(
            state.stop,
            float(highest_high),
            float(lowest_low),
            float(atr),
            float(multiple),
            _sign(state.direction),
        )
    )


def on_bar(
    policy: StopPolicy,
    state: StopState,
    *,
    high: float,
    low: float,
    atr: float = math.nan,
    highest_high: float = math.nan,
    lowest_low: float = math.nan,
) -> StopState:
    """At a bar's close: update the best price and bar count, then move the stop for the
    next bar. ``highest_high`` / ``lowest_low`` are the chandelier lookback extremes."""
    sign = _sign(state.direction)
    best = max(state.best_price, float(high)) if sign > 0 else min(state.best_price, float(low))
    be_r, be_off, kind, mult, frac = policy.kernel_args()
    stop = kernels.next_stop(
        sign,
        state.entry,
        state.initial_stop,
        state.stop,
        best,
        float(highest_high),
        float(lowest_low),
        float(atr),
        be_r,
        be_off,
        kind,
        mult,
        frac,
    )
    return replace(state, stop=float(stop), best_price=best, bars_held=state.bars_held + 1)


def stop_triggered(state: StopState, *, high: float, low: float) -> bool:
    """Whether a bar with this range touches the current stop."""
    return bool(kernels.stop_hit(state.stop, float(low), float(high), _sign(state.direction)))


def time_stop(policy: StopPolicy, state: StopState, price: float) -> bool:
    """Whether the time stop says exit now (at ``price``)."""
    if policy.max_bars is None:
        return False
    return bool(
        kernels.time_stop_hit(
            state.bars_held, policy.max_bars, state.r_multiple(price), float(policy.time_stop_min_r)
        )
    )


def round_stop(instrument: Instrument, stop: float | Decimal, direction: Direction) -> Decimal:
    """A stop price on the tick grid, rounded away from the entry (never tighter)."""
    rounding = Rounding.DOWN if _sign(direction) > 0 else Rounding.UP
    return instrument.round_price(stop if isinstance(stop, Decimal) else float(stop), rounding)


__all__ = [
    "StopPolicy",
    "StopState",
    "TrailingKind",
    "atr_stop",
    "atr_trailing_stop",
    "breakeven_stop",
    "chandelier_stop",
    "initial_stop",
    "on_bar",
    "percent_stop",
    "percent_trailing_stop",
    "round_stop",
    "stop_triggered",
    "time_stop",
]
