"""run_backtest: the one entry point of the engine (market + intents + config -> result)."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.intents import Intents
from tradegraph.backtest.jit import F64
from tradegraph.backtest.kernel import simulate
from tradegraph.backtest.kernel_ops import A_BARS_IN_MARKET, A_REJECTED
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.result import BacktestResult
from tradegraph.core.errors import ValidationError
from tradegraph.indicators import atr

MarketInput = MarketData | pd.DataFrame | Mapping[str, pd.DataFrame]


def as_market(market: MarketInput) -> MarketData:
    """Coerce a frame, a {symbol: frame} mapping or MarketData to MarketData."""
    if isinstance(market, MarketData):
        return market
    if isinstance(market, pd.DataFrame):
        return MarketData.from_frame(market)
    if isinstance(market, Mapping):
        return MarketData.from_frames(market)
    raise ValidationError(
        f"market must be MarketData, a DataFrame or a mapping of frames, got {type(market)}.",
        hint="Use MarketData.from_arrays(open, high, low, close) for plain arrays.",
    )


def _previous_atr(market: MarketData, period: int) -> F64:
    """ATR known at the previous bar's close (so slippage never looks ahead)."""
    out = np.full(market.close.shape, np.nan)
    for j in range(market.instruments):
        values = atr(market.high[:, j], market.low[:, j], market.close[:, j], period)
        out[1:, j] = values[:-1]
    return np.ascontiguousarray(out)


def run_backtest(
    market: MarketInput,
    intents: Intents,
    config: BacktestConfig | None = None,
    *,
    record_positions: bool = True,
) -> BacktestResult:
    """Simulate ``intents`` on ``market`` under ``config`` (defaults: next-open fills,
    long only, 99.99% of equity in whole units, no fees).

    ``record_positions=False`` (sweeps) skips the per-bar position matrix; everything
    else, including the equity curve and the statistics, is unchanged.
    """
    cfg = config or BacktestConfig()
    data = as_market(market)
    if data.bars == 0:
        raise ValidationError("The market has no bars.", hint="Load some data first.")
    el, es, ex, sl, tp, trail, size, limit, stop_entry = intents.to_kernel(
        data.bars, data.instruments
    )
    atr_prev = (
        _previous_atr(data, cfg.atr_period) if cfg.slippage_atr > 0 else np.full((1, 1), np.nan)
    )
    started = time.perf_counter()
    equity, positions, trades, fills, orders, acct = simulate(
        data.open,
        data.high,
        data.low,
        data.close,
        atr_prev,
        el,
        es,
        ex,
        sl,
        tp,
        trail,
        size,
        limit,
        stop_entry,
        cfg.to_kernel_vector(record=record_positions),
    )
    elapsed = time.perf_counter() - started
    return BacktestResult(
        market=data,
        config=cfg,
        equity_values=equity,
        position_values=positions,
        trade_records=trades,
        fill_records=fills,
        order_records=orders,
        bars_in_market=int(acct[A_BARS_IN_MARKET]),
        rejected_orders=int(acct[A_REJECTED]),
        elapsed_s=elapsed,
    )


__all__ = ["MarketInput", "as_market", "run_backtest"]
