"""Walk-forward analysis: optimise on a training window, trade the chosen parameters on the
following test window, move on by one test window, and stitch the out-of-sample results.

Windows (bar indices, half-open ``[start, end)``):

* rolling: train ``[s, s + train)``, test ``[s + train, s + train + test)``, ``s += test``;
* anchored (expanding): the same, but every train window starts at bar 0.

Test windows are contiguous and never overlap; bars after the last full test window are
not used (``WalkForwardResult.unused_bars``). Out of sample, the strategy's signals are
computed over train + test bars (the train bars warm up the indicators; they are causal,
so nothing of the future leaks in) and traded on the test bars only. Each test window
starts flat with the previous window's final equity as its cash and closes any open
position at its last close, so the stitched equity curve continues exactly from window to
window.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.engine import run_backtest
from tradegraph.backtest.intents import Intents
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.optimize import OptimizeSettings, make_searcher, optimize
from tradegraph.backtest.records import T_ENTRY_BAR, T_EXIT_BAR, T_PNL, T_R_MULTIPLE, T_RETURN
from tradegraph.backtest.result import BacktestResult
from tradegraph.backtest.space import ParameterSpace, Params
from tradegraph.backtest.strategies import StrategyBuilder
from tradegraph.core.errors import ValidationError
from tradegraph.portfolio import (
    PerformanceStats,
    buy_and_hold_return,
    equity_stats,
    infer_periods_per_year,
    trade_stats,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkForwardConfig:
    """Window sizes in bars; ``anchored`` makes the train windows expand from bar 0."""

    train: int
    test: int
    anchored: bool = False

    def __post_init__(self) -> None:
        if self.train < 2 or self.test < 2:
            raise ValidationError(
                f"Walk-forward windows train={self.train}, test={self.test}; expected at "
                "least 2 bars each.",
                hint="For example --train 5000 --test 1000.",
            )


@dataclass(frozen=True, slots=True)
class Window:
    """One train/test split (bar indices, end exclusive)."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int

    @property
    def train_bars(self) -> int:
        return self.train_end - self.train_start

    @property
    def test_bars(self) -> int:
        return self.test_end - self.test_start


def plan_windows(bars: int, config: WalkForwardConfig) -> tuple[Window, ...]:
    """The windows over ``bars`` bars (see the module docstring)."""
    if bars < config.train + config.test:
        raise ValidationError(
            f"{bars:,} bars are too few for one walk-forward window "
            f"(train {config.train:,} + test {config.test:,}).",
            hint="Use smaller --train/--test windows or load more bars.",
        )
    count = (bars - config.train) // config.test
    windows = []
    for k in range(count):
        test_start = config.train + k * config.test
        train_start = 0 if config.anchored else test_start - config.train
        windows.append(Window(k, train_start, test_start, test_start, test_start + config.test))
    return tuple(windows)


def slice_market(market: MarketData, start: int, end: int) -> MarketData:
    """Bars ``[start, end)`` of ``market`` (views, no copy, no re-validation)."""
    return MarketData.from_arrays(
        market.open[start:end],
        market.high[start:end],
        market.low[start:end],
        market.close[start:end],
        index_ns=market.index_ns[start:end],
        symbols=market.symbols,
        validate=False,
    )


def slice_intents(intents: Intents, bars: int, start: int) -> Intents:
    """``intents`` computed on ``bars`` bars, from bar ``start`` on (scalars stay)."""
    values: dict[str, object] = {}
    for name in intents.fields_set():
        raw = getattr(intents, name)
        arr = np.asarray(raw.to_numpy() if hasattr(raw, "to_numpy") else raw)
        values[name] = arr[start:] if arr.ndim >= 1 and arr.shape[0] == bars else arr
    return Intents(**values)


@dataclass(frozen=True, slots=True, eq=False)
class WindowResult:
    """A window's chosen parameters, in-sample figures and out-of-sample backtest."""

    window: Window
    params: Params
    in_sample: dict[str, float]
    """The best row of the training optimisation (every metric, fractions)."""
    evaluations: int
    oos: BacktestResult

    @property
    def start_equity(self) -> float:
        return self.oos.config.cash

    @property
    def final_equity(self) -> float:
        return self.oos.final_equity


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """The windows and the stitched out-of-sample equity, trades and statistics."""

    market: MarketData
    config: BacktestConfig
    walkforward: WalkForwardConfig
    settings: OptimizeSettings
    windows: tuple[WindowResult, ...]
    unused_bars: int
    elapsed_s: float

    @property
    def objective(self) -> str:
        return self.settings.metric

    @property
    def start(self) -> int:
        """First out-of-sample bar."""
        return self.windows[0].window.test_start

    @property
    def end(self) -> int:
        """One past the last out-of-sample bar."""
        return self.windows[-1].window.test_end

    @cached_property
    def equity_values(self) -> np.ndarray:
        return np.concatenate([w.oos.equity_values for w in self.windows])

    @cached_property
    def equity(self) -> pd.Series:
        """Out-of-sample equity at each test bar's close, all windows in a row."""
        return pd.Series(self.equity_values, index=self._times(), name="equity")

    @cached_property
    def drawdown(self) -> pd.Series:
        peak = np.maximum.accumulate(np.maximum(self.equity_values, self.config.cash))
        return pd.Series(1.0 - self.equity_values / peak, index=self._times(), name="dd")

    def _times(self) -> pd.Index:
        return slice_market(self.market, self.start, self.end).times()

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Every out-of-sample trade with its window; bars count from the market's start."""
        frames = []
        for w in self.windows:
            frame = w.oos.trades.copy()
            frame.insert(0, "window", w.window.index)
            frame["entry_bar"] += w.window.test_start
            frame["exit_bar"] += w.window.test_start
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def stats(self) -> PerformanceStats:
        """Statistics of the stitched out-of-sample equity and closed trades."""
        closed = np.concatenate([w.oos.closed_trade_records for w in self.windows])
        ppy = self.config.periods_per_year or (
            infer_periods_per_year(self.market.index_ns) if self.market.has_times else 252.0
        )
        bars = self.end - self.start
        return PerformanceStats(
            bars=bars,
            start_equity=self.config.cash,
            final_equity=float(self.equity_values[-1]),
            equity=equity_stats(self.equity_values, self.config.cash, ppy),
            trades=trade_stats(
                np.ascontiguousarray(closed[:, T_PNL]),
                np.ascontiguousarray(closed[:, T_RETURN]),
                np.ascontiguousarray(closed[:, T_R_MULTIPLE]),
                closed[:, T_EXIT_BAR] - closed[:, T_ENTRY_BAR],
            ),
            exposure=sum(w.oos.bars_in_market for w in self.windows) / max(bars, 1),
            buy_hold_return=buy_and_hold_return(self.market.close[self.start : self.end]),
        )

    def window_table(self) -> pd.DataFrame:
        """One row per window: ranges, chosen parameters, in- and out-of-sample figures."""
        times = self.market.times()
        metric = self.objective
        rows = []
        for w in self.windows:
            win, oos = w.window, w.oos.stats.as_flat_dict()
            row: dict[str, object] = {
                "window": win.index,
                "train_start": times[win.train_start],
                "train_end": times[win.train_end - 1],
                "test_start": times[win.test_start],
                "test_end": times[win.test_end - 1],
            }
            row.update(w.params)
            row[f"is_{metric}"] = w.in_sample.get(metric, np.nan)
            row["is_return"] = w.in_sample.get("total_return", np.nan)
            row["is_trades"] = w.in_sample.get("trades", np.nan)
            row[f"oos_{metric}"] = oos[metric]
            row["oos_return"] = oos["total_return"]
            row["oos_max_drawdown"] = oos["max_drawdown"]
            row["oos_trades"] = oos["trades"]
            row["start_equity"] = w.start_equity
            row["final_equity"] = w.final_equity
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, float | int]:
        """Headline out-of-sample figures (percent where the name says so)."""
        s = self.stats
        return {
            "windows": len(self.windows),
            "oos_bars": s.bars,
            "trades": s.trades.trades,
            "final_equity": s.final_equity,
            "return_pct": 100 * s.equity.total_return,
            "buy_hold_return_pct": 100 * s.buy_hold_return,
            "sharpe": s.equity.sharpe,
            "sortino": s.equity.sortino,
            "calmar": s.equity.calmar,
            "max_drawdown_pct": 100 * s.equity.max_drawdown,
            "win_rate_pct": 100 * s.trades.win_rate,
            "profit_factor": s.trades.profit_factor,
            "sqn": s.trades.sqn,
            "exposure_pct": 100 * s.exposure,
            "unused_bars": self.unused_bars,
            "elapsed_s": self.elapsed_s,
        }


def walk_forward(
    market: MarketData,
    builder: StrategyBuilder,
    space: ParameterSpace,
    config: BacktestConfig | None,
    walkforward: WalkForwardConfig,
    *,
    settings: OptimizeSettings | None = None,
    progress: Progress | None = None,
) -> WalkForwardResult:
    """Run the walk-forward analysis of ``builder`` over ``space`` (module docstring)."""
    cfg = config or BacktestConfig()
    wf = walkforward
    opts = settings or OptimizeSettings()
    windows = plan_windows(market.bars, wf)
    per_window = make_searcher(space, opts).total
    total = per_window * len(windows)
    started = time.perf_counter()
    cash = cfg.cash
    results: list[WindowResult] = []
    for win in windows:
        base = win.index * per_window

        def report(done: int, _count: int, base: int = base) -> None:
            if progress:
                progress(min(base + done, total), total)

        train = slice_market(market, win.train_start, win.train_end)
        found = optimize(train, builder, space, cfg, opts, progress=report)
        params = found.best_params
        history = slice_market(market, win.train_start, win.test_end)
        intents = slice_intents(
            builder(history, params, None), history.bars, win.test_start - win.train_start
        )
        test = slice_market(market, win.test_start, win.test_end)
        oos = run_backtest(test, intents, replace(cfg, cash=cash, close_at_end=True))
        best = {str(k): float(v) for k, v in found.best.items() if _is_number(v)}
        results.append(WindowResult(win, params, best, found.evaluations, oos))
        cash = oos.final_equity
        if cash <= 0:
            break  # the account is gone: later windows cannot trade
    return WalkForwardResult(
        market=market,
        config=cfg,
        walkforward=wf,
        settings=opts,
        windows=tuple(results),
        unused_bars=market.bars - results[-1].window.test_end,
        elapsed_s=time.perf_counter() - started,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating)


__all__ = [
    "WalkForwardConfig",
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "plan_windows",
    "slice_intents",
    "slice_market",
    "walk_forward",
]
