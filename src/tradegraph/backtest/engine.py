"""run_backtest: the one entry point of the engine (market + intents + config -> result).

Two compiled kernels share one semantics: the general ``kernel.simulate`` and the fast
path ``kernel_fast.simulate_fast`` for its most common domain (one instrument, market
entries, no stops/targets/trailing, no ATR slippage, no stop policy). ``fast_path_applies``
picks; both give bit-identical results there (``tests/unit/backtest/test_bt_fast_path.py``).

A ``BacktestConfig.stop_policy`` runs in the general kernel only; its ATR and chandelier
extremes are computed here, causally, one value per bar close (``policy_inputs``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.intents import Intents
from tradegraph.backtest.jit import F64, Arr
from tradegraph.backtest.kernel import simulate
from tradegraph.backtest.kernel_fast import fast_buffers, simulate_fast
from tradegraph.backtest.kernel_fast_ops import pack_signals
from tradegraph.backtest.kernel_ops import A_BARS_IN_MARKET, A_REJECTED
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.result import BacktestResult, PositionRecord
from tradegraph.core.errors import ValidationError
from tradegraph.indicators import atr, donchian
from tradegraph.risk.stops import StopPolicy, TrailingKind

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


# positions in ``Intents.to_kernel``'s output
_PRICE_INTENTS = (3, 4, 5, 7, 8)  # stop_loss, take_profit, trailing, limit, stop_entry
_TRAILING = 5
_SIZE = 6
_NONE = np.full((1, 1), np.nan)


def fast_path_applies(instruments: int, arrays: tuple[Arr, ...], config: BacktestConfig) -> bool:
    """Whether the fast kernel covers this run: one instrument, no stop-loss, take-profit
    or trailing stop (intents all NaN, config percentages 0), market entries only
    (``limit`` and ``stop_entry`` all NaN), no ATR slippage, no stop policy."""
    if instruments != 1 or config.slippage_atr != 0.0 or config.stop_policy is not None:
        return False
    if config.stop_loss_pct != 0.0 or config.take_profit_pct != 0.0:
        return False
    if config.trailing_pct != 0.0:
        return False
    return all(bool(np.isnan(arrays[i]).all()) for i in _PRICE_INTENTS)


def _per_bar(values: Arr, bars: int) -> Arr:
    """A ``(bars, 1)`` or ``(1, 1)`` intent array as one C-contiguous value per bar."""
    flat = values.reshape(-1)
    if flat.shape[0] != bars:
        return np.full(bars, flat[0], dtype=flat.dtype)
    return np.ascontiguousarray(flat)


@dataclass(frozen=True, slots=True, eq=False)
class KernelRun:
    """What a kernel returns: equity per bar, positions, trade / fill / order records
    (``records.py`` layouts) and the account vector (``kernel_ops.A_*``)."""

    equity: F64
    positions: PositionRecord
    trades: F64
    fills: F64
    orders: F64
    account: F64
    stops: F64 | None = None
    """Stop policy runs (recording): the stop at each bar's close, NaN when flat."""


def simulate_arrays(
    data: MarketData,
    arrays: tuple[Arr, ...],
    config: BacktestConfig,
    *,
    record: bool = True,
    fast: bool | None = None,
) -> KernelRun:
    """Run a kernel on ``Intents.to_kernel`` arrays. ``fast=None`` picks the fast path
    when it applies; ``True`` / ``False`` force the fast / general kernel (for tests
    and benchmarks)."""
    vector = config.to_kernel_vector(record=record)
    use_fast = fast_path_applies(data.instruments, arrays, config) if fast is None else fast
    if use_fast:
        if not fast_path_applies(data.instruments, arrays, config):
            raise ValidationError(
                "The fast kernel does not cover this run.",
                hint="It needs one instrument, market entries and no stops/targets/ATR "
                "slippage; use fast=None to pick the kernel automatically.",
            )
        n = data.bars
        signal = np.empty((n // 8 + 1) * 8, dtype=np.uint8)
        entries = pack_signals(
            _per_bar(arrays[0], n), _per_bar(arrays[1], n), _per_bar(arrays[2], n), signal
        )
        equity, trades, fills, orders = fast_buffers(n, entries)
        change_bars, change_qty, n_tr, n_fi, n_or, account = simulate_fast(
            data.open.reshape(-1),
            data.high.reshape(-1),
            data.low.reshape(-1),
            data.close.reshape(-1),
            signal,
            np.ascontiguousarray(arrays[_SIZE].reshape(-1)),
            vector,
            equity,
            trades,
            fills,
            orders,
        )
        positions = (
            PositionRecord(change_bars=change_bars, change_qty=change_qty)
            if record
            else PositionRecord(values=np.zeros((1, 1)))
        )
        # views of the buffers: rows never written were never touched (no memory)
        return KernelRun(equity, positions, trades[:n_tr], fills[:n_fi], orders[:n_or], account)
    atr_prev = _previous_atr(data, config.atr_period) if config.slippage_atr > 0 else _NONE
    stop_atr = highest = lowest = _NONE
    if config.stop_policy is not None:
        if not bool(np.isnan(arrays[_TRAILING]).all()):
            raise ValidationError(
                "Intents.trailing cannot be combined with BacktestConfig.stop_policy: "
                "the policy owns the trailing stop.",
                hint="Drop the trailing intent and set StopPolicy(trailing=...) instead.",
            )
        stop_atr, highest, lowest = policy_inputs(data, config.stop_policy)
    el, es, ex, sl, tp, trail, size, limit, stop_entry = arrays
    equity, matrix, trades, fills, orders, account, stops = simulate(
        data.open,
        data.high,
        data.low,
        data.close,
        atr_prev,
        stop_atr,
        highest,
        lowest,
        el,
        es,
        ex,
        sl,
        tp,
        trail,
        size,
        limit,
        stop_entry,
        vector,
    )
    recorded = stops if config.stop_policy is not None and record else None
    return KernelRun(
        equity, PositionRecord(values=matrix), trades, fills, orders, account, recorded
    )


def policy_inputs(market: MarketData, policy: StopPolicy) -> tuple[F64, F64, F64]:
    """The stop policy's per-close inputs, ``(bars, instruments)`` each: Wilder ATR over
    ``policy.atr_period`` and - chandelier trailing only, else ``(1, 1)`` NaN - the
    highest high / lowest low of the last ``chandelier_period`` bars, the bar itself
    included. Row t uses bars up to t only; NaN during warm-up (no stop from it then)."""
    shape = market.close.shape
    stop_atr = np.full(shape, np.nan)
    chandelier = policy.trailing is TrailingKind.CHANDELIER
    highest = np.full(shape, np.nan) if chandelier else _NONE
    lowest = np.full(shape, np.nan) if chandelier else _NONE
    for j in range(market.instruments):
        high, low = market.high[:, j], market.low[:, j]
        stop_atr[:, j] = atr(high, low, market.close[:, j], policy.atr_period)
        if chandelier:
            channel = donchian(high, low, policy.chandelier_period)
            highest[:, j] = channel.upper
            lowest[:, j] = channel.lower
    return (
        np.ascontiguousarray(stop_atr),
        np.ascontiguousarray(highest),
        np.ascontiguousarray(lowest),
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

    ``elapsed_s`` of the result is the wall time of this call: market coercion, intent
    conversion, ATR and the simulation. Tables, DataFrames and
    statistics are built lazily on first access and are not included.
    """
    started = time.perf_counter()
    cfg = config or BacktestConfig()
    data = as_market(market)
    if data.bars == 0:
        raise ValidationError("The market has no bars.", hint="Load some data first.")
    arrays = intents.to_kernel(data.bars, data.instruments)
    run = simulate_arrays(data, arrays, cfg, record=record_positions)
    elapsed = time.perf_counter() - started
    return BacktestResult(
        market=data,
        config=cfg,
        equity_values=run.equity,
        position_record=run.positions,
        trade_records=run.trades,
        fill_records=run.fills,
        order_records=run.orders,
        bars_in_market=int(run.account[A_BARS_IN_MARKET]),
        rejected_orders=int(run.account[A_REJECTED]),
        elapsed_s=elapsed,
        stop_values=run.stops,
    )


__all__ = [
    "KernelRun",
    "MarketInput",
    "as_market",
    "fast_path_applies",
    "policy_inputs",
    "run_backtest",
    "simulate_arrays",
]
