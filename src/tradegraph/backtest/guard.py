"""Backtests under the risk engine's drawdown guard (SAFE_MODE).

``run_guarded_backtest`` simulates a strategy whose account is watched by the same guard
rules as live trading (``tradegraph.risk.kernels.guard_mode``: daily and monthly loss
limits and an optional maximum drawdown, HALTED absorbing). Once the guard trips at the
close of bar ``t``, no new position is opened from a signal at ``t`` or later; positions
already open are still managed by exit signals, stops, targets and trailing stops. In
``reverse`` mode, where an opposite entry is what closes a position, entries after the
halt become plain exits (risk-reducing only).

How: the engine has no look-ahead, so removing entries at bars ``>= t`` cannot change
anything at or before ``t``. The backtest is run, the first HALTED bar found on its equity
curve, entries masked from there, and run again; the guard is then re-checked on the new
curve, which must trip at the same bar (it converges in one or two passes; more than
``max_passes`` raises). Daily and monthly baselines are the equity at the close of the
last bar of the previous UTC day / month (the first bar's equity for the first period).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.backtest.config import BacktestConfig, Direction
from tradegraph.backtest.engine import run_backtest
from tradegraph.backtest.intents import Intents
from tradegraph.backtest.jit import kernel
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.result import BacktestResult
from tradegraph.core.errors import ValidationError
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.kernels import MODE_HALTED, guard_mode

_DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class GuardLimits:
    """Loss limits as fractions (0.08 = 8%); ``max_drawdown`` None switches it off."""

    daily_loss: float = 0.08
    monthly_loss: float = 0.20
    max_drawdown: float | None = None
    reduce_at: float = 0.5

    def __post_init__(self) -> None:
        for name in ("daily_loss", "monthly_loss", "max_drawdown", "reduce_at"):
            value = getattr(self, name)
            if value is None and name == "max_drawdown":
                continue
            if not (isinstance(value, float | int) and 0.0 < float(value) <= 1.0):
                raise ValidationError(
                    f"GuardLimits.{name} = {value!r}; expected a fraction in (0, 1].",
                    hint="Write 8% as 0.08.",
                )

    @classmethod
    def from_risk_config(cls, config: RiskConfig) -> GuardLimits:
        """The limits a strategy's ``RiskConfig`` sets for live trading."""
        return cls(
            daily_loss=float(config.daily_loss_limit),
            monthly_loss=float(config.monthly_loss_limit),
            max_drawdown=None if config.max_drawdown is None else float(config.max_drawdown),
            reduce_at=float(config.reduce_at),
        )


@dataclass(frozen=True, slots=True, eq=False)
class GuardedResult:
    """The backtest under the guard, and where (if anywhere) SAFE_MODE tripped."""

    result: BacktestResult
    halted_at: int | None
    """Bar index at whose close the guard tripped, or None."""
    passes: int

    @property
    def halted_time(self) -> pd.Timestamp | int | None:
        if self.halted_at is None:
            return None
        times = self.result.market.times()
        value = times[self.halted_at]
        return value if isinstance(value, pd.Timestamp) else int(value)


@kernel
def _first_halt(  # noqa: PLR0917 - numba kernels take positional arguments
    equity: npt.NDArray[np.float64],
    day: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    daily: float,
    monthly: float,
    max_drawdown: float,
    reduce_at: float,
) -> int:
    n = equity.shape[0]
    if n == 0:
        return -1
    mode = 0
    day_start = equity[0]
    month_start = equity[0]
    peak = equity[0]
    for t in range(n):
        if t > 0 and day[t] != day[t - 1]:
            day_start = equity[t - 1]
        if t > 0 and month[t] != month[t - 1]:
            month_start = equity[t - 1]
        peak = max(peak, equity[t])
        mode = guard_mode(
            mode, equity[t], day_start, month_start, peak, daily, monthly, max_drawdown, reduce_at
        )
        if mode == MODE_HALTED:
            return t
    return -1


def first_halt(
    equity: npt.NDArray[np.float64], times_ns: npt.NDArray[np.int64], limits: GuardLimits
) -> int | None:
    """The first bar at whose close the guard is HALTED, or None."""
    day = times_ns // _DAY_NS
    stamps = pd.DatetimeIndex(times_ns.astype("datetime64[ns]"), tz="UTC")
    month = (stamps.year * 12 + stamps.month).to_numpy(dtype=np.int64)
    max_dd = math.nan if limits.max_drawdown is None else float(limits.max_drawdown)
    index = _first_halt(
        np.ascontiguousarray(equity, dtype=np.float64),
        np.ascontiguousarray(day, dtype=np.int64),
        month,
        float(limits.daily_loss),
        float(limits.monthly_loss),
        max_dd,
        float(limits.reduce_at),
    )
    return None if index < 0 else int(index)


def _masked(intents: Intents, bars: int, instruments: int, start: int) -> Intents:
    def column(value: object) -> npt.NDArray[np.bool_]:
        if value is None:
            return np.zeros((bars, instruments), dtype=np.bool_)
        array = np.asarray(
            value.to_numpy() if isinstance(value, pd.Series | pd.DataFrame) else value
        )
        array = np.broadcast_to(
            array.reshape(bars, -1) if array.ndim else array, (bars, instruments)
        )
        return np.array(array, dtype=np.bool_)  # a writable copy

    long_entry, short_entry = column(intents.entry_long), column(intents.entry_short)
    long_entry[start:] = False
    short_entry[start:] = False
    return replace(intents, entry_long=long_entry, entry_short=short_entry)


def run_guarded_backtest(
    market: MarketData,
    intents: Intents,
    config: BacktestConfig | None = None,
    limits: GuardLimits | None = None,
    *,
    max_passes: int = 6,
) -> GuardedResult:
    """Backtest ``intents`` with the drawdown guard on (see the module docstring)."""
    config = config or BacktestConfig()
    limits = limits or GuardLimits()
    if not market.has_times:
        raise ValidationError(
            "A guarded backtest needs bar times (daily and monthly loss limits).",
            hint="Build MarketData from a frame with a UTC DatetimeIndex.",
        )
    if config.direction is Direction.REVERSE:
        raise ValidationError(
            "A guarded backtest cannot use direction=reverse: it is always in the market "
            "and ignores exits, so SAFE_MODE could never flatten it.",
            hint="Use direction long, short or both with a drawdown guard.",
        )
    current = intents
    halted: int | None = None
    for passes in range(1, max_passes + 1):
        result = run_backtest(market, current, config)
        found = first_halt(result.equity_values, market.index_ns, limits)
        if found == halted:
            return GuardedResult(result, halted, passes)
        if halted is not None and (found is None or found > halted):
            # Masking can only remove trades after the trip bar; the trip stands.
            return GuardedResult(result, halted, passes)
        halted = found
        assert halted is not None
        current = _masked(intents, market.bars, market.instruments, halted)
    raise ValidationError(
        f"The drawdown guard did not settle in {max_passes} passes.",
        hint="This is a bug: please report it with the strategy and data.",
    )


__all__ = ["GuardLimits", "GuardedResult", "first_halt", "run_guarded_backtest"]
