"""Backtest engine (layer 4): compiled fill simulation over intent arrays, results,
statistics, reports, optimisation and walk-forward.

Input is aligned market data (``MarketData``, one or more instruments) plus ``Intents``
(entry/exit signals, stops, targets, sizes, limit prices); ``run_backtest`` returns a
``BacktestResult`` (trades, fills, orders, equity, positions, exposure, stats). The per-bar
loop is numba-compiled with an on-disk cache. Semantics: ``docs/backtesting.md``.

Boundary: imports core, model, indicators and portfolio; never data sources, databases or
the network. Backtests never touch the database.
"""

from tradegraph.backtest.config import BacktestConfig, Direction, FillMode, SameBarRule, Sizing
from tradegraph.backtest.engine import as_market, run_backtest
from tradegraph.backtest.intents import Intents
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.records import ExitReason, OrderKind, OrderStatus
from tradegraph.backtest.result import BacktestResult

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "Direction",
    "ExitReason",
    "FillMode",
    "Intents",
    "MarketData",
    "OrderKind",
    "OrderStatus",
    "SameBarRule",
    "Sizing",
    "as_market",
    "run_backtest",
]
