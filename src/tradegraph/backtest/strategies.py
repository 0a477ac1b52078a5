"""Built-in strategies that stand in until workflows exist: they turn a market and a few
parameters into Intents. ``sma_cross``: long when the fast SMA crosses above the slow one,
short (or flat, per the direction mode) when it crosses below."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from tradegraph.backtest.intents import Intents
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.signals import crosses
from tradegraph.core.errors import ValidationError
from tradegraph.indicators import sma


@dataclass(frozen=True, slots=True)
class SmaCrossParams:
    """Periods of the two simple moving averages (``fast < slow``)."""

    fast: int = 10
    slow: int = 20

    def __post_init__(self) -> None:
        if not (1 <= self.fast < self.slow):
            raise ValidationError(
                f"sma_cross needs 1 <= fast < slow, got fast={self.fast}, slow={self.slow}.",
                hint="For example --param fast=10 --param slow=20.",
            )


class IndicatorCache:
    """Indicator arrays shared across the runs of a sweep (one SMA per distinct period,
    however many combinations use it). Thread-safe; keyed by (name, column, period)."""

    def __init__(self, market: MarketData) -> None:
        self.market = market
        self._values: dict[tuple[str, int, int], np.ndarray] = {}
        self._lock = threading.Lock()

    def sma(self, column: int, period: int) -> np.ndarray:
        key = ("sma", column, period)
        with self._lock:
            cached = self._values.get(key)
        if cached is None:
            cached = sma(self.market.close[:, column], period)
            with self._lock:
                self._values.setdefault(key, cached)
        return cached

    def __len__(self) -> int:
        return len(self._values)


def sma_cross(
    market: MarketData, params: SmaCrossParams, cache: IndicatorCache | None = None
) -> Intents:
    """Crossover intents of SMA(fast) and SMA(slow) on the close of the first instrument."""
    if market.instruments != 1:
        raise ValidationError(
            f"sma_cross trades one instrument, the market has {market.instruments}.",
            hint="Backtest each symbol separately, or write a portfolio strategy.",
        )
    ind = cache if cache is not None else IndicatorCache(market)
    up, down = crosses(ind.sma(0, params.fast), ind.sma(0, params.slow))
    return Intents(entry_long=up, entry_short=down)


StrategyBuilder = Callable[[MarketData, Mapping[str, float], "IndicatorCache | None"], Intents]


def _sma_cross_from_mapping(
    market: MarketData, params: Mapping[str, float], cache: IndicatorCache | None = None
) -> Intents:
    unknown = set(params) - {"fast", "slow"}
    if unknown:
        raise ValidationError(
            f"sma_cross has no parameter(s) {sorted(unknown)}.",
            hint="Its parameters are fast and slow.",
        )
    values = {k: int(v) for k, v in params.items()}
    return sma_cross(market, SmaCrossParams(**values), cache)


STRATEGIES: dict[str, StrategyBuilder] = {"sma_cross": _sma_cross_from_mapping}


def get_strategy(name: str) -> StrategyBuilder:
    """The built-in strategy called ``name``."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValidationError(
            f"Unknown strategy {name!r}.", hint=f"Built-in strategies: {', '.join(STRATEGIES)}."
        ) from None


__all__ = [
    "STRATEGIES",
    "IndicatorCache",
    "SmaCrossParams",
    "StrategyBuilder",
    "get_strategy",
    "sma_cross",
]
