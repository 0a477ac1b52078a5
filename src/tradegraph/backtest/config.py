"""BacktestConfig: every knob of the fill simulation, typed, frozen and validated.

The config is packed into one float64 vector (``to_kernel_vector``) for the compiled
kernel, so a new option never changes the kernel's signature (and never forces a
recompile of the persistent JIT cache).

``stop_policy`` hands a position's stop to the risk engine's ``StopPolicy`` (ATR initial
stop, breakeven, ATR/percent/chandelier trailing, time stop): the general kernel then
moves stops with the same compiled functions live sessions call (``risk.kernels``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import ValidationError
from tradegraph.risk.stops import StopPolicy


class FillMode(IntEnum):
    """When a signal computed on bar t's close is executed."""

    NEXT_OPEN = 0  # at bar t+1's open (default, no look-ahead possible)
    CLOSE = 1  # at bar t's own close (assumes you can trade the closing print)


class Direction(IntEnum):
    """Which sides the strategy may hold."""

    LONG = 0  # long only; a short entry signal acts as an exit
    SHORT = 1  # short only; a long entry signal acts as an exit
    BOTH = 2  # long and short; an opposite entry reverses, exits go flat
    REVERSE = 3  # always in the market after the first entry; exit signals are ignored


class Sizing(IntEnum):
    """How an entry's quantity is computed at fill time."""

    FRACTION = 0  # spend this fraction of available equity (x leverage), whole lots
    FIXED = 1  # this many units (rounded down to the lot); rejected if unaffordable
    RISK = 2  # risk this fraction of equity between fill price and stop-loss


class SameBarRule(IntEnum):
    """Which exit wins when a bar's range touches both stop-loss and take-profit."""

    STOP_FIRST = 0  # conservative (default): assume the adverse extreme came first
    TARGET_FIRST = 1  # optimistic: assume the target came first (for comparison only)


# Indices into the kernel's config vector.
K_CASH = 0
K_COMM_PCT = 1
K_COMM_FIXED = 2
K_SLIP_BPS = 3
K_SLIP_ATR = 4
K_FILL = 5
K_DIRECTION = 6
K_SIZING = 7
K_SIZE = 8
K_LEVERAGE = 9
K_MAINT = 10
K_TICK = 11
K_LOT = 12
K_TTL = 13
K_CLOSE_AT_END = 14
K_SAME_BAR = 15
K_SL_PCT = 16
K_TP_PCT = 17
K_TRAIL_PCT = 18
K_RECORD = 19
# stop policy (K_POLICY 0: none; the other slots are then unused)
K_POLICY = 20
K_POL_ATR_MULT = 21
K_POL_BE_R = 22  # NaN: breakeven off
K_POL_BE_OFFSET = 23
K_POL_TRAIL_KIND = 24  # risk.kernels.TRAIL_*
K_POL_TRAIL_MULT = 25
K_POL_TRAIL_FRAC = 26
K_POL_MAX_BARS = 27  # 0: no time stop
K_POL_MIN_R = 28
K_LEN = 29


def _check(ok: bool, field: str, value: object, expected: str, hint: str) -> None:
    if not ok:
        raise ValidationError(
            f"BacktestConfig.{field} = {value!r} is invalid; expected {expected}.", hint=hint
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestConfig:
    """Simulation settings. Defaults match backtesting.py's (cash aside): next-open
    fills, 99.99% of equity in whole units, no fees unless given.

    Percentages are fractions: ``commission_pct=0.002`` is 0.2% of traded notional.
    """

    cash: float = 10_000.0
    commission_pct: float = 0.0
    commission_fixed: float = 0.0
    slippage_bps: float = 0.0
    slippage_atr: float = 0.0
    atr_period: int = 14
    fill: FillMode = FillMode.NEXT_OPEN
    direction: Direction = Direction.LONG
    sizing: Sizing = Sizing.FRACTION
    size: float = 0.9999
    leverage: float = 1.0
    maintenance_margin: float = 0.0
    tick_size: float = 0.0
    lot_size: float = 1.0
    order_ttl: int = 1
    close_at_end: bool = False
    same_bar: SameBarRule = SameBarRule.STOP_FIRST
    stop_loss_pct: float = 0.0
    take_profit_pct: float = 0.0
    trailing_pct: float = 0.0
    stop_policy: StopPolicy | None = None
    """Risk-engine stop management (general kernel only; see ``docs/backtesting.md``)."""
    periods_per_year: float | None = None

    def __post_init__(self) -> None:
        finite = {
            "cash": self.cash,
            "commission_pct": self.commission_pct,
            "commission_fixed": self.commission_fixed,
            "slippage_bps": self.slippage_bps,
            "slippage_atr": self.slippage_atr,
            "size": self.size,
            "leverage": self.leverage,
            "maintenance_margin": self.maintenance_margin,
            "tick_size": self.tick_size,
            "lot_size": self.lot_size,
            "stop_loss_pct": self.stop_loss_pct,
            "take_profit_pct": self.take_profit_pct,
            "trailing_pct": self.trailing_pct,
        }
        for name, value in finite.items():
            _check(
                isinstance(value, int | float) and math.isfinite(value),
                name,
                value,
                "a finite number",
                "Pass a plain float.",
            )
        _check(self.cash > 0, "cash", self.cash, "> 0", "Start with some cash, e.g. 10_000.")
        _check(
            0 <= self.commission_pct < 0.1,
            "commission_pct",
            self.commission_pct,
            "a fraction in [0, 0.1)",
            "0.2% is written 0.002.",
        )
        for name in ("commission_fixed", "slippage_bps", "slippage_atr", "tick_size", "lot_size"):
            value = finite[name]
            _check(value >= 0, name, value, ">= 0", "Use 0 to disable it.")
        for name in ("stop_loss_pct", "take_profit_pct", "trailing_pct"):
            value = finite[name]
            _check(0 <= value < 1, name, value, "a fraction in [0, 1)", "5% is written 0.05.")
        _check(self.atr_period >= 1, "atr_period", self.atr_period, ">= 1", "Typical is 14.")
        _check(self.leverage >= 1, "leverage", self.leverage, ">= 1", "1 means no leverage.")
        _check(
            0 <= self.maintenance_margin < 1 / self.leverage or self.maintenance_margin == 0,
            "maintenance_margin",
            self.maintenance_margin,
            f"a fraction in [0, 1/leverage = {1 / self.leverage:g})",
            "Maintenance margin must be below the initial margin 1/leverage.",
        )
        if self.sizing == Sizing.FRACTION:
            _check(
                0 < self.size <= 1,
                "size",
                self.size,
                "a fraction of equity in (0, 1] for sizing=FRACTION",
                "0.9999 means 'all in'; use sizing=Sizing.FIXED for a unit count.",
            )
        elif self.sizing == Sizing.RISK:
            _check(
                0 < self.size < 1,
                "size",
                self.size,
                "a risk fraction in (0, 1) for sizing=RISK",
                "Risking 1% of equity per trade is size=0.01.",
            )
        else:
            _check(self.size > 0, "size", self.size, "> 0 units", "Give a unit count, e.g. 10.")
        if self.stop_policy is not None:
            _check(
                isinstance(self.stop_policy, StopPolicy),
                "stop_policy",
                self.stop_policy,
                "a tradegraph.risk.StopPolicy or None",
                "Build it with StopPolicy(atr_multiple=2.0, ...).",
            )
            _check(
                self.trailing_pct == 0.0,
                "trailing_pct",
                self.trailing_pct,
                "0 when a stop_policy is set (the policy owns trailing)",
                "Use StopPolicy(trailing=TrailingKind.PERCENT, trail_fraction=...) instead.",
            )
        if self.periods_per_year is not None:
            _check(
                self.periods_per_year > 0,
                "periods_per_year",
                self.periods_per_year,
                "> 0 or None (inferred from the index)",
                "Daily crypto is 365, daily stocks 252.",
            )

    def to_kernel_vector(self, *, record: bool = True) -> npt.NDArray[np.float64]:
        """The config as the kernel reads it (see the ``K_*`` indices)."""
        vec = np.zeros(K_LEN, dtype=np.float64)
        vec[K_CASH] = self.cash
        vec[K_COMM_PCT] = self.commission_pct
        vec[K_COMM_FIXED] = self.commission_fixed
        vec[K_SLIP_BPS] = self.slippage_bps
        vec[K_SLIP_ATR] = self.slippage_atr
        vec[K_FILL] = int(self.fill)
        vec[K_DIRECTION] = int(self.direction)
        vec[K_SIZING] = int(self.sizing)
        vec[K_SIZE] = self.size
        vec[K_LEVERAGE] = self.leverage
        vec[K_MAINT] = self.maintenance_margin
        vec[K_TICK] = self.tick_size
        vec[K_LOT] = self.lot_size
        vec[K_TTL] = self.order_ttl
        vec[K_CLOSE_AT_END] = 1.0 if self.close_at_end else 0.0
        vec[K_SAME_BAR] = int(self.same_bar)
        vec[K_SL_PCT] = self.stop_loss_pct
        vec[K_TP_PCT] = self.take_profit_pct
        vec[K_TRAIL_PCT] = self.trailing_pct
        vec[K_RECORD] = 1.0 if record else 0.0
        policy = self.stop_policy
        if policy is not None:
            be_r, be_offset, trail_kind, trail_mult, trail_frac = policy.kernel_args()
            vec[K_POLICY] = 1.0
            vec[K_POL_ATR_MULT] = policy.atr_multiple
            vec[K_POL_BE_R] = be_r
            vec[K_POL_BE_OFFSET] = be_offset
            vec[K_POL_TRAIL_KIND] = trail_kind
            vec[K_POL_TRAIL_MULT] = trail_mult
            vec[K_POL_TRAIL_FRAC] = trail_frac
            vec[K_POL_MAX_BARS] = policy.max_bars or 0
            vec[K_POL_MIN_R] = policy.time_stop_min_r
        return vec


__all__ = [
    "BacktestConfig",
    "Direction",
    "FillMode",
    "SameBarRule",
    "Sizing",
]
