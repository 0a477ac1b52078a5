"""Portfolio accounting and performance metrics (layer 2): pure functions over equity
curves and trade lists (returns, risk, drawdowns, trade statistics).

Boundary: imports only ``tradegraph.core``, numpy and numba. No I/O, no clock.
"""

from tradegraph.portfolio.metrics import (
    EquityStats,
    PerformanceStats,
    TradeStats,
    buy_and_hold_return,
    equity_stats,
    infer_periods_per_year,
    trade_stats,
)

__all__ = [
    "EquityStats",
    "PerformanceStats",
    "TradeStats",
    "buy_and_hold_return",
    "equity_stats",
    "infer_periods_per_year",
    "trade_stats",
]
