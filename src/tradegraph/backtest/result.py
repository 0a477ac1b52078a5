"""BacktestResult: raw kernel output plus lazily built tables and statistics."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.jit import F64, I64
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.records import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    T_ENTRY_BAR,
    T_EXIT_BAR,
    T_EXIT_REASON,
    T_PNL,
    T_R_MULTIPLE,
    T_RETURN,
    TRADE_COLUMNS,
    ExitReason,
    OrderKind,
    OrderStatus,
)
from tradegraph.core.errors import ValidationError
from tradegraph.portfolio import (
    PerformanceStats,
    buy_and_hold_return,
    equity_stats,
    infer_periods_per_year,
    trade_stats,
)

_OPEN = float(ExitReason.OPEN)


@dataclass(frozen=True, slots=True, eq=False)
class PositionRecord:
    """The signed quantity held at each bar's close, as a kernel produced it: the whole
    ``(bars, instruments)`` matrix, or - one instrument - the bars from which the
    quantity changes (``change_bars``, ascending, starting at 0) and the quantities held
    from there on (``change_qty``), expanded on demand."""

    values: F64 | None = None
    change_bars: I64 | None = None
    change_qty: F64 | None = None

    def matrix(self, bars: int) -> F64:
        if self.values is not None:
            return self.values
        if self.change_bars is None or self.change_qty is None:
            raise ValidationError(
                "A PositionRecord needs values or change points.",
                hint="Build it from a kernel's output (engine.simulate_arrays).",
            )
        lengths = np.diff(np.append(self.change_bars, bars))
        expanded: F64 = np.repeat(self.change_qty, lengths).reshape(-1, 1)
        return expanded


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """What a backtest produced. Arrays are the source of truth; DataFrames (and the
    per-bar position matrix) are built on first access. ``stats`` covers closed trades
    (an open trade is listed in ``trades`` with ``exit_reason == "open"`` and is marked
    to the last close in the equity)."""

    market: MarketData
    config: BacktestConfig
    equity_values: F64
    position_record: PositionRecord
    trade_records: F64
    fill_records: F64
    order_records: F64
    bars_in_market: int
    rejected_orders: int
    elapsed_s: float
    stop_values: F64 | None = None
    """With a ``stop_policy`` (and recorded positions): the stop of the position held at
    each bar's close - the level that protects the next bar - NaN when flat,
    ``(bars, instruments)``. ``None`` otherwise."""

    @cached_property
    def position_values(self) -> F64:
        """Signed quantity held at each bar's close, ``(bars, instruments)`` - or
        ``(1, instruments)`` zeros when the run did not record positions."""
        return self.position_record.matrix(self.market.bars)

    @property
    def final_equity(self) -> float:
        return float(self.equity_values[-1])

    @property
    def closed_trade_records(self) -> F64:
        closed: F64 = self.trade_records[self.trade_records[:, T_EXIT_REASON] != _OPEN]
        return closed

    @cached_property
    def stops(self) -> pd.DataFrame | None:
        """``stop_values`` as a frame (one column per symbol), or None without them."""
        if self.stop_values is None:
            return None
        return pd.DataFrame(
            self.stop_values, index=self.market.times(), columns=list(self.market.symbols)
        )

    @cached_property
    def equity(self) -> pd.Series:
        """Account equity at each bar's close."""
        return pd.Series(self.equity_values, index=self.market.times(), name="equity")

    @cached_property
    def drawdown(self) -> pd.Series:
        """Fall from the running peak (initial cash included), as a positive fraction."""
        peak = np.maximum.accumulate(np.maximum(self.equity_values, self.config.cash))
        return pd.Series(1.0 - self.equity_values / peak, index=self.market.times(), name="dd")

    @cached_property
    def positions(self) -> pd.DataFrame:
        """Signed position quantity at each bar's close, one column per symbol."""
        return pd.DataFrame(
            self.position_values, index=self.market.times(), columns=list(self.market.symbols)
        )

    @cached_property
    def exposure(self) -> pd.Series:
        """Gross position value over equity at each bar's close (1.0 = fully invested)."""
        gross = np.abs(self.position_values * self.market.close).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(self.equity_values > 0, gross / self.equity_values, np.nan)
        return pd.Series(values, index=self.market.times(), name="exposure")

    @cached_property
    def trades(self) -> pd.DataFrame:
        """One row per trade: times, prices, quantity, fees, P&L, R multiple, exit reason."""
        frame = pd.DataFrame(self.trade_records, columns=list(TRADE_COLUMNS))
        times = self.market.times()
        for col in ("instrument", "entry_bar", "exit_bar"):
            frame[col] = frame[col].astype(np.int64)
        frame.insert(1, "symbol", [self.market.symbols[i] for i in frame["instrument"]])
        frame["direction"] = np.where(frame["direction"] > 0, "long", "short")
        frame["exit_reason"] = [ExitReason(int(v)).name.lower() for v in frame["exit_reason"]]
        frame.insert(4, "entry_time", times[frame["entry_bar"].to_numpy()])
        frame.insert(6, "exit_time", times[frame["exit_bar"].to_numpy()])
        frame["bars_held"] = frame["exit_bar"] - frame["entry_bar"]
        return frame

    @cached_property
    def fills(self) -> pd.DataFrame:
        """Every execution (entries and exits) in time order."""
        frame = pd.DataFrame(self.fill_records, columns=list(FILL_COLUMNS))
        for col in ("bar", "instrument", "order_id"):
            frame[col] = frame[col].astype(np.int64)
        frame.insert(1, "time", self.market.times()[frame["bar"].to_numpy()])
        frame["side"] = np.where(frame["side"] > 0, "buy", "sell")
        frame["reason"] = [
            "entry" if v < 0 else ExitReason(int(v)).name.lower() for v in frame["reason"]
        ]
        return frame

    @cached_property
    def orders(self) -> pd.DataFrame:
        """Every entry order with its type and final status."""
        frame = pd.DataFrame(self.order_records, columns=list(ORDER_COLUMNS))
        for col in ("order_id", "instrument", "created_bar", "done_bar"):
            frame[col] = frame[col].astype(np.int64)
        frame["side"] = np.where(frame["side"] > 0, "buy", "sell")
        frame["kind"] = [OrderKind(int(v)).name.lower() for v in frame["kind"]]
        frame["status"] = [OrderStatus(int(v)).name.lower() for v in frame["status"]]
        return frame

    @cached_property
    def periods_per_year(self) -> float:
        if self.config.periods_per_year is not None:
            return self.config.periods_per_year
        return infer_periods_per_year(self.market.index_ns) if self.market.has_times else 252.0

    @cached_property
    def stats(self) -> PerformanceStats:
        """Performance metrics (see ``tradegraph.portfolio.metrics`` for definitions)."""
        closed = self.closed_trade_records
        return PerformanceStats(
            bars=self.market.bars,
            start_equity=self.config.cash,
            final_equity=self.final_equity,
            equity=equity_stats(self.equity_values, self.config.cash, self.periods_per_year),
            trades=trade_stats(
                np.ascontiguousarray(closed[:, T_PNL]),
                np.ascontiguousarray(closed[:, T_RETURN]),
                np.ascontiguousarray(closed[:, T_R_MULTIPLE]),
                closed[:, T_EXIT_BAR] - closed[:, T_ENTRY_BAR],
            ),
            exposure=self.bars_in_market / max(self.market.bars, 1),
            buy_hold_return=buy_and_hold_return(self.market.close),
        )

    def summary(self) -> dict[str, float | int]:
        """The headline figures, in percent where the name says so (CLI ``--json``)."""
        s = self.stats
        return {
            "bars": s.bars,
            "trades": s.trades.trades,
            "final_equity": s.final_equity,
            "return_pct": 100 * s.equity.total_return,
            "buy_hold_return_pct": 100 * s.buy_hold_return,
            "cagr_pct": 100 * s.equity.cagr,
            "volatility_pct": 100 * s.equity.volatility,
            "sharpe": s.equity.sharpe,
            "sortino": s.equity.sortino,
            "calmar": s.equity.calmar,
            "max_drawdown_pct": 100 * s.equity.max_drawdown,
            "max_drawdown_bars": s.equity.max_drawdown_bars,
            "win_rate_pct": 100 * s.trades.win_rate,
            "profit_factor": s.trades.profit_factor,
            "expectancy": s.trades.expectancy,
            "avg_r": s.trades.avg_r,
            "sqn": s.trades.sqn,
            "avg_bars_held": s.trades.avg_bars_held,
            "exposure_pct": 100 * s.exposure,
            "rejected_orders": self.rejected_orders,
            "elapsed_s": self.elapsed_s,
        }


__all__ = ["BacktestResult", "PositionRecord"]
