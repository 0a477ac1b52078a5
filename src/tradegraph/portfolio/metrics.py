"""Performance metrics of an equity curve and a list of closed trades (pure functions).

Definitions (also in ``docs/backtesting.md``): simple per-bar returns starting from the
initial cash; annualisation by ``periods_per_year``; risk-free rate 0; sample standard
deviations (ddof=1); drawdowns relative to the running peak (initial cash included);
durations in bars. One compiled pass over the equity curve keeps 1M bars in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.portfolio.jit import F64, kernel

_SECONDS_PER_YEAR = 365.25 * 86_400.0


@dataclass(frozen=True, slots=True)
class EquityStats:
    """Statistics of the equity curve alone."""

    total_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float  # a positive fraction: 0.25 is a 25% fall from the peak
    max_drawdown_bars: int  # longest stretch below a previous peak, in bars
    calmar: float


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Statistics of the closed trades alone."""

    trades: int
    win_rate: float
    profit_factor: float
    expectancy: float  # mean net P&L per trade, cash
    avg_return: float  # mean net return per trade, fraction
    avg_r: float  # mean R multiple over trades that had an initial stop
    sqn: float
    avg_bars_held: float
    best_trade: float
    worst_trade: float


@dataclass(frozen=True, slots=True)
class PerformanceStats:
    """Everything a backtest report shows; fractions, not percent."""

    bars: int
    start_equity: float
    final_equity: float
    equity: EquityStats
    trades: TradeStats
    exposure: float  # fraction of bars with a position at some point in the bar
    buy_hold_return: float

    def as_flat_dict(self) -> dict[str, float | int]:
        """One flat mapping (for JSON, tables and optimisation objectives)."""
        out: dict[str, float | int] = {
            "bars": self.bars,
            "start_equity": self.start_equity,
            "final_equity": self.final_equity,
            "exposure": self.exposure,
            "buy_hold_return": self.buy_hold_return,
        }
        out.update(asdict(self.equity))
        out.update(
            {f"trade_{k}" if k == "trades" else k: v for k, v in asdict(self.trades).items()}
        )
        out["trades"] = out.pop("trade_trades")
        return out


@kernel
def _equity_pass(equity: F64, initial: float) -> tuple[float, float, float, float, int]:
    """mean, sample std, downside deviation of simple returns; max drawdown and its
    longest duration in bars."""
    n = equity.shape[0]
    prev = initial
    down_sq = 0.0
    peak = initial
    max_dd = 0.0
    run = 0
    longest = 0
    # Welford for a stable variance
    mean = 0.0
    m2 = 0.0
    for i in range(n):
        value = equity[i]
        r = value / prev - 1.0 if prev != 0.0 else 0.0
        prev = value
        delta = r - mean
        mean += delta / (i + 1)
        m2 += delta * (r - mean)
        if r < 0.0:
            down_sq += r * r
        if value >= peak:
            peak = value
            run = 0
        else:
            run += 1
            longest = max(longest, run)
            dd = 1.0 - value / peak if peak > 0.0 else 1.0
            max_dd = max(max_dd, dd)
    std = math.sqrt(m2 / (n - 1)) if n > 1 else math.nan
    downside = math.sqrt(down_sq / n) if n > 0 else math.nan
    return mean, std, downside, max_dd, longest


def equity_stats(equity: F64, initial: float, periods_per_year: float) -> EquityStats:
    """Return, risk and drawdown statistics of ``equity`` (marked once per bar)."""
    values = np.ascontiguousarray(equity, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValidationError(
            f"equity must be a non-empty 1-D array, got shape {values.shape}.",
            hint="Pass the per-bar equity curve of the backtest.",
        )
    if not (initial > 0 and periods_per_year > 0):
        raise ValidationError(
            f"initial ({initial}) and periods_per_year ({periods_per_year}) must be > 0.",
            hint="Use the starting cash and e.g. 365 for daily crypto bars.",
        )
    mean, std, downside, max_dd, longest = _equity_pass(values, float(initial))
    final = float(values[-1])
    total = final / initial - 1.0
    years = values.size / periods_per_year
    cagr = (final / initial) ** (1.0 / years) - 1.0 if final > 0 else -1.0
    root = math.sqrt(periods_per_year)
    sharpe = mean / std * root if std > 0 else math.nan
    sortino = mean / downside * root if downside > 0 else math.nan
    calmar = cagr / max_dd if max_dd > 0 else math.nan
    return EquityStats(
        total_return=total,
        cagr=cagr,
        volatility=std * root,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=max_dd,
        max_drawdown_bars=int(longest),
        calmar=calmar,
    )


def trade_stats(pnl: F64, returns: F64, r_multiples: F64, bars_held: F64) -> TradeStats:
    """Statistics of closed trades given their net P&L, net returns, R multiples (NaN
    where a trade had no stop) and holding periods in bars."""
    count = int(pnl.size)
    if count == 0:
        nan = math.nan
        return TradeStats(0, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    wins = pnl[pnl > 0]
    losses = pnl[pnl < 0]
    gross_win = float(wins.sum())
    gross_loss = float(-losses.sum())
    if gross_loss > 0:
        profit_factor = gross_win / gross_loss
    else:
        profit_factor = math.inf if gross_win > 0 else math.nan
    finite_r = r_multiples[np.isfinite(r_multiples)]
    std = float(pnl.std(ddof=1)) if count > 1 else math.nan
    sqn = math.sqrt(count) * float(pnl.mean()) / std if std > 0 else math.nan
    return TradeStats(
        trades=count,
        win_rate=wins.size / count,
        profit_factor=profit_factor,
        expectancy=float(pnl.mean()),
        avg_return=float(returns.mean()),
        avg_r=float(finite_r.mean()) if finite_r.size else math.nan,
        sqn=sqn,
        avg_bars_held=float(bars_held.mean()),
        best_trade=float(returns.max()),
        worst_trade=float(returns.min()),
    )


def infer_periods_per_year(index_ns: np.ndarray) -> float:
    """Bars per year from the median bar spacing (calendar time, 365.25-day years).

    Returns 252 for an index without usable spacing (fewer than two distinct times).
    """
    if index_ns.size < 2:
        return 252.0
    step = float(np.median(np.diff(index_ns.astype(np.int64)))) / 1e9
    return _SECONDS_PER_YEAR / step if step > 0 else 252.0


def buy_and_hold_return(close: F64) -> float:
    """Equal-weight buy-and-hold return from the first to the last close (per column)."""
    prices = np.asarray(close, dtype=np.float64)
    if prices.ndim == 1:
        prices = prices.reshape(-1, 1)
    return float(np.mean(prices[-1] / prices[0] - 1.0))


__all__ = [
    "EquityStats",
    "PerformanceStats",
    "TradeStats",
    "buy_and_hold_return",
    "equity_stats",
    "infer_periods_per_year",
    "trade_stats",
]
