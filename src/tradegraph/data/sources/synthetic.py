"""The synthetic market: seeded, deterministic, regime-switching bars for any timeframe.

The price path switches between four regimes (bull trend, bear trend, range, turbulence)
with geometric durations. Volatility clusters (log-volatility is an AR(1) process), ranges
mean-revert around the level they started at, and rare jumps gap the open away from the
previous close. Each bar's OHLC is consistent (``low <= min(open, close)``,
``high >= max(open, close)``, all positive) and its volume rises with volatility and with
the size of the move.

Everything is vectorised with numpy (no per-bar Python), so a million bars take a small
fraction of a second. The same config and seed give the same bars, bit for bit.
This is the embedded default data: demos and tests work offline with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import from_arrays
from tradegraph.data.grid import floor_ns
from tradegraph.model.timeframe import Timeframe

_YEAR_SECONDS: Final = 365 * 86_400
_DEFAULT_START: Final = datetime(2020, 1, 1, tzinfo=UTC)


class Regime(IntEnum):
    BULL = 0
    BEAR = 1
    RANGE = 2
    TURBULENT = 3


# Volatility multiplier per regime (index = Regime value); turbulence comes from config.
_REGIME_VOL: Final = (1.0, 1.15, 0.7)


@dataclass(frozen=True, slots=True)
class SyntheticConfig:
    """Parameters of the synthetic market (all have sensible defaults but the size)."""

    timeframe: Timeframe
    bars: int
    seed: int = 0
    start: datetime = field(default=_DEFAULT_START)
    """First bar open time (moved up to the timeframe grid)."""
    start_price: float = 100.0
    annual_volatility: float = 0.6
    mean_regime_bars: float = 400.0
    trend_strength: float = 0.08
    """Drift per bar in a trend, in units of the per-bar volatility."""
    range_reversion: float = 0.97
    """AR(1) coefficient of the deviation from the level in a range (closer to 1 = wider)."""
    turbulence: float = 2.5
    """Volatility multiplier of the turbulent regime."""
    vol_persistence: float = 0.995
    vol_of_vol: float = 0.06
    gap_probability: float = 0.0015
    gap_sigmas: float = 6.0
    volume_per_minute: float = 50.0
    missing_bar_probability: float = 0.0
    """Drop this share of bars (not the first) to simulate data gaps."""

    def __post_init__(self) -> None:
        problems = []
        if self.bars < 0:
            problems.append("bars must be >= 0")
        if self.start.tzinfo is None:
            problems.append("start must be timezone-aware")
        if self.start_price <= 0 or self.annual_volatility <= 0 or self.volume_per_minute <= 0:
            problems.append("start_price, annual_volatility and volume_per_minute must be > 0")
        if self.mean_regime_bars < 2:
            problems.append("mean_regime_bars must be >= 2")
        if not (0 <= self.range_reversion < 1 and 0 <= self.vol_persistence < 1):
            problems.append("range_reversion and vol_persistence must be in [0, 1)")
        problems.extend(
            f"{name} must be in [0, 1)"
            for name in ("gap_probability", "missing_bar_probability")
            if not 0 <= getattr(self, name) < 1
        )
        if self.turbulence <= 0 or self.vol_of_vol < 0 or self.gap_sigmas < 0:
            problems.append("turbulence must be > 0; vol_of_vol and gap_sigmas >= 0")
        if problems:
            raise ValidationError(
                "Invalid SyntheticConfig: " + "; ".join(problems) + ".",
                hint="Adjust the named parameters.",
            )


@dataclass(frozen=True, slots=True, eq=False)
class SyntheticMarket:
    """Generated bars with the regime of each bar (for tests and demos)."""

    bars: pd.DataFrame
    regimes: npt.NDArray[np.int8]


def ar1_filter(x: npt.NDArray[np.float64], phi: float) -> npt.NDArray[np.float64]:
    """``y[t] = phi * y[t-1] + x[t]`` with ``y[-1] = 0``, vectorised in blocks."""
    values = np.asarray(x, dtype=np.float64)
    n = len(values)
    if n == 0 or phi == 0.0:
        return values.copy()
    block = max(1, min(1024, int(300.0 / -math.log(phi))))
    count = -(-n // block)
    padded = np.zeros(count * block)
    padded[:n] = values
    grid = padded.reshape(count, block)
    steps = np.arange(block, dtype=np.float64)
    within = np.cumsum(grid * phi**-steps, axis=1) * phi**steps
    decay = phi**block
    last = np.empty(count)
    carry = 0.0
    for b in range(count):
        carry = float(within[b, -1]) + decay * carry
        last[b] = carry
    before = np.concatenate(([0.0], last[:-1]))
    result = within + np.outer(before, phi ** (steps + 1))
    return np.asarray(result.reshape(-1)[:n], dtype=np.float64)


def _regimes(
    rng: np.random.Generator, config: SyntheticConfig
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Per-bar regime, per-bar segment start, per-bar trend strength factor."""
    n = config.bars
    segments = int(n / config.mean_regime_bars * 1.5) + 8
    durations = 1 + rng.geometric(1.0 / config.mean_regime_bars, size=segments)
    while durations.sum() < n:  # rare: extend until the bars are covered
        more = 1 + rng.geometric(1.0 / config.mean_regime_bars, size=segments)
        durations = np.concatenate((durations, more))
    count = len(durations)
    steps = rng.integers(1, 4, size=count)
    steps[0] = rng.integers(0, 4)
    sequence = (np.cumsum(steps) % 4).astype(np.int8)
    strength = rng.uniform(0.5, 1.5, size=count)
    starts = np.cumsum(durations) - durations
    regime = np.repeat(sequence, durations)[:n]
    segment_start = np.repeat(starts, durations)[:n].astype(np.int64)
    factor = np.repeat(strength, durations)[:n]
    return regime, segment_start, factor


def generate_market(config: SyntheticConfig) -> SyntheticMarket:
    """Generate the bars and their regimes (see the module docstring)."""
    n = config.bars
    rng = np.random.default_rng(config.seed)
    tf = config.timeframe
    sigma_bar = config.annual_volatility * math.sqrt(tf.seconds / _YEAR_SECONDS)
    regime, segment_start, strength = _regimes(rng, config)

    # Volatility clusters: log-vol AR(1), normalised to mean one.
    phi_v = config.vol_persistence
    log_vol = ar1_filter(rng.normal(0.0, config.vol_of_vol, n), phi_v)
    log_vol -= config.vol_of_vol**2 / (1 - phi_v**2) / 2
    log_regime_vol = np.log(np.asarray((*_REGIME_VOL, config.turbulence)))[regime]
    log_relative_vol = log_vol + log_regime_vol  # log(sigma / sigma_bar)
    sigma = sigma_bar * np.exp(log_relative_vol)
    shocks = sigma * rng.standard_normal(n)

    drift = config.trend_strength * sigma_bar * strength
    returns = shocks + np.where(
        regime == Regime.BULL, drift, np.where(regime == Regime.BEAR, -drift, 0.0)
    )
    # Ranges: the deviation from the segment's starting level is AR(1), restarted at 0.
    phi_r = config.range_reversion
    g = ar1_filter(shocks, phi_r)
    in_range = np.flatnonzero(regime == Regime.RANGE)
    if len(in_range):
        seg = segment_start[in_range]
        decay = np.exp((in_range - seg + 1.0) * math.log(phi_r)) if phi_r > 0 else 0.0
        g_before = np.where(seg > 0, g[np.maximum(seg - 1, 0)], 0.0)
        deviation = np.zeros(n)
        deviation[in_range] = g[in_range] - decay * g_before
        previous = np.concatenate(([0.0], deviation[:-1]))
        previous[in_range[in_range == seg]] = 0.0
        returns[in_range] = deviation[in_range] - previous[in_range]

    jumps = np.zeros(n)
    gaps = rng.integers(1, max(n, 2), size=rng.binomial(n, config.gap_probability))
    jumps[gaps[gaps < n]] = (
        config.gap_sigmas * sigma[gaps[gaps < n]] * rng.standard_normal(int((gaps < n).sum()))
    )
    log_close = math.log(config.start_price) + np.cumsum(returns + jumps)
    close = np.exp(log_close)
    previous_close = np.concatenate(([config.start_price], close[:-1]))
    open_ = previous_close * np.exp(jumps)
    high = np.maximum(open_, close) * np.exp(0.6 * sigma * np.abs(rng.standard_normal(n)))
    low = np.minimum(open_, close) * np.exp(-0.6 * sigma * np.abs(rng.standard_normal(n)))
    move = np.abs(returns + jumps) / sigma
    volume = (
        config.volume_per_minute
        * (tf.seconds / 60.0)
        * np.exp(0.35 * rng.standard_normal(n) - 0.06 + 0.7 * log_relative_vol)
        * (0.6 + 0.4 * move)
    )

    start_ns = int(pd.Timestamp(config.start).tz_convert("UTC").as_unit("ns").value)
    first = int(floor_ns(np.asarray([start_ns], dtype=np.int64), tf)[0])
    if first < start_ns:
        first += tf.nanoseconds
    times = first + np.arange(n, dtype=np.int64) * np.int64(tf.nanoseconds)
    if config.missing_bar_probability == 0:
        return SyntheticMarket(from_arrays(times, (open_, high, low, close, volume)), regime)
    keep = rng.random(n) >= config.missing_bar_probability
    keep[:1] = True
    bars = from_arrays(times[keep], [a[keep] for a in (open_, high, low, close, volume)])
    return SyntheticMarket(bars, regime[keep])


def generate_ohlcv(config: SyntheticConfig) -> pd.DataFrame:
    """Only the bars of ``generate_market`` (a contract frame)."""
    return generate_market(config).bars


def synthetic_ohlcv(
    timeframe: Timeframe | str, bars: int, *, seed: int = 0, start: datetime | None = None
) -> pd.DataFrame:
    """Shorthand: ``synthetic_ohlcv("1h", 5_000, seed=7)``."""
    return generate_ohlcv(
        SyntheticConfig(
            timeframe=Timeframe.parse(timeframe),
            bars=bars,
            seed=seed,
            start=start or _DEFAULT_START,
        )
    )


class SyntheticSource:
    """``OhlcvSource`` over the generator: yields the series in chunks of ``chunk_bars``."""

    def __init__(self, config: SyntheticConfig, *, chunk_bars: int = 250_000) -> None:
        self.config = config
        self.chunk_bars = max(1, chunk_bars)

    def frames(self) -> Iterator[pd.DataFrame]:
        bars = generate_ohlcv(self.config)
        for start in range(0, len(bars), self.chunk_bars):
            yield bars.iloc[start : start + self.chunk_bars]


__all__ = [
    "Regime",
    "SyntheticConfig",
    "SyntheticMarket",
    "SyntheticSource",
    "ar1_filter",
    "generate_market",
    "generate_ohlcv",
    "synthetic_ohlcv",
]
