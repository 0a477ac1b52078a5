"""Stop management of a session's open position under a ``StopPolicy``: the backtest
kernel's bookkeeping (``kernel_ops.open_position`` / ``policy_close``), bar by bar.

- ``BarHistory``: the session's bars so far and the policy's per-close inputs computed
  as ``backtest.engine.policy_inputs`` does (Wilder ATR over ``atr_period`` of the whole
  history, the chandelier's highest high / lowest low including the bar), so a stop
  computed here equals the backtest's.
- ``Protection``: a held position's stop state (entry, initial stop, current stop, best
  price, bars held). ``protect_entry`` opens it at the fill: ``atr_multiple`` ATRs from
  the fill price with the ATR known at the fill (the previous close's), tightened with the
  decision's own stop. ``advance`` takes one bar's close: the best price, the bar count,
  the stop for the next bar (breakeven, trailing; tighten-only) and the time stop.

All arithmetic goes through ``risk.kernels`` (the functions the backtest kernel calls).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from tradegraph.indicators.channels import donchian
from tradegraph.indicators.volatility import atr
from tradegraph.model.bar import Bar
from tradegraph.risk import kernels
from tradegraph.risk.stops import StopPolicy, TrailingKind

F64 = npt.NDArray[np.float64]
_NAN = math.nan
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BarHistory:
    """Highs, lows and closes of the bars a session has seen, oldest first."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._high: list[float] = []
        self._low: list[float] = []
        self._close: list[float] = []
        self._times: list[datetime] = []
        self._cache: tuple[int, int, F64] | None = None

    def __len__(self) -> int:
        return len(self._close)

    def append(self, bar: Bar) -> None:
        self._high.append(bar.high)
        self._low.append(bar.low)
        self._close.append(bar.close)
        self._times.append(bar.time)
        if len(self._close) > self.limit:  # a very long live session: keep the recent bars
            for column in (self._high, self._low, self._close, self._times):
                del column[: len(column) - self.limit]
        self._cache = None

    @property
    def last_time(self) -> datetime:
        """Open time of the newest bar (the epoch start before any)."""
        return self._times[-1] if self._times else _EPOCH

    def index_of(self, time: datetime) -> int | None:
        """Position of the bar opening at ``time`` (None when not kept)."""
        for i in range(len(self._times) - 1, -1, -1):
            if self._times[i] == time:
                return i
        return None

    def bar(self, i: int) -> tuple[float, float, float]:
        return self._high[i], self._low[i], self._close[i]

    def atr(self, period: int) -> F64:
        """Wilder ATR at every bar (NaN during warm-up)."""
        cached = self._cache
        if cached is not None and cached[:2] == (period, len(self._close)):
            return cached[2]
        if len(self._close) <= period:
            values = np.full(len(self._close), _NAN)
        else:
            values = np.asarray(
                atr(np.array(self._high), np.array(self._low), np.array(self._close), period),
                dtype=np.float64,
            )
        self._cache = (period, len(self._close), values)
        return values

    def atr_at(self, i: int, period: int) -> float:
        """The ATR at bar ``i`` (NaN when unknown; ``i`` < 0 counts from the end)."""
        values = self.atr(period)
        if not -len(values) <= i < len(values):
            return _NAN
        return float(values[i])

    def channel_at(self, i: int, period: int) -> tuple[float, float]:
        """Highest high and lowest low of the ``period`` bars ending with bar ``i``."""
        n = len(self._close)
        i = i if i >= 0 else n + i
        if i < period - 1:
            return _NAN, _NAN
        lo = i - period + 1
        channel = donchian(np.array(self._high[lo : i + 1]), np.array(self._low[lo : i + 1]),
                           period)  # fmt: skip
        return float(channel.upper[-1]), float(channel.lower[-1])


@dataclass(frozen=True, slots=True)
class Protection:
    """The stop state of one held position (the kernel's S_* columns)."""

    sign: int
    entry: float
    initial: float
    """The stop at entry (NaN: none), for R multiples and the STOP_LOSS/TRAILING label."""
    stop: float
    """The stop protecting the next bar (NaN: none)."""
    best: float
    bars: int = 0

    @property
    def has_stop(self) -> bool:
        return not math.isnan(self.stop)

    @property
    def moved(self) -> bool:
        """The stop is no longer the initial one (the backtest calls its hit TRAILING)."""
        return self.stop != self.initial


def protect_entry(
    policy: StopPolicy, *, sign: int, fill_price: float, atr_before: float, other: float
) -> Protection:
    """The protection of a position that just filled at ``fill_price``: the policy's ATR
    stop (``atr_before``: the ATR known at the fill) tightened with ``other`` (the
    decision's stop; NaN: none)."""
    stop = float(
        kernels.initial_stop(fill_price, atr_before, float(policy.atr_multiple), other, sign)
    )
    return Protection(sign, fill_price, stop, stop, fill_price, 0)


def advance(
    policy: StopPolicy,
    state: Protection,
    history: BarHistory,
    i: int,
) -> tuple[Protection, bool]:
    """At the close of bar ``i`` (held through it): the new state, whose ``stop``
    protects the next bar, and whether the time stop says exit at this close."""
    high, low, close = history.bar(i)
    sign = state.sign
    best = max(state.best, high) if sign > 0 else min(state.best, low)
    bars = state.bars + 1
    atr_now = history.atr_at(i, policy.atr_period)
    highest = lowest = _NAN
    if policy.trailing is TrailingKind.CHANDELIER:
        highest, lowest = history.channel_at(i, policy.chandelier_period)
    be_r, be_off, kind, mult, frac = policy.kernel_args()
    stop = float(
        kernels.next_stop(
            sign, state.entry, state.initial, state.stop, best, highest, lowest, atr_now,
            be_r, be_off, kind, mult, frac,
        )
    )  # fmt: skip
    max_bars = policy.max_bars or 0
    r_now = float(kernels.r_multiple(state.entry, state.initial, close, sign))
    exit_now = bool(kernels.time_stop_hit(bars, max_bars, r_now, float(policy.time_stop_min_r)))
    return Protection(sign, state.entry, state.initial, stop, best, bars), exit_now


__all__ = ["BarHistory", "Protection", "advance", "protect_entry"]
