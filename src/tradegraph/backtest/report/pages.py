"""The three report pages: a backtest, an optimisation and a walk-forward analysis.

Each function returns one self-contained HTML document (plotly.js inline, CSS inline,
no external URL), ready for ``write_html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as _escape
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.backtest.optimize import OptimizeResult, maximises
from tradegraph.backtest.report import charts
from tradegraph.backtest.report.downsample import MAX_CANDLES, candles
from tradegraph.backtest.report.format import stat_rows
from tradegraph.backtest.report.html import (
    Formatter,
    cards,
    facts,
    fmt_number,
    fmt_pct,
    note,
    page,
    table,
)
from tradegraph.backtest.result import BacktestResult
from tradegraph.backtest.walkforward import WalkForwardResult

F64 = npt.NDArray[np.float64]

#: most trades listed in a report table (and marked on its chart)
MAX_TRADES: Final = 5_000
_TRADE_COLUMNS: Final = (
    "symbol",
    "direction",
    "entry_time",
    "entry_price",
    "exit_time",
    "exit_price",
    "quantity",
    "pnl",
    "return_pct",
    "fees",
    "bars_held",
    "exit_reason",
)
_METRIC_COLUMNS: Final = (
    "total_return",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "trades",
    "win_rate",
    "profit_factor",
    "sqn",
)
_FRACTIONS: Final = frozenset(
    {"total_return", "max_drawdown", "win_rate", "return_pct", "cagr", "volatility"}
)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the page says about the run: its title and a few ``(label, value)`` facts
    (data source, strategy, parameters, costs)."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()


def _trade_table(trades: pd.DataFrame) -> str:
    frame = trades.copy()
    frame["fees"] = frame["entry_fee"] + frame["exit_fee"]
    frame = frame[list(_TRADE_COLUMNS)]
    frame.insert(0, "#", frame.index)
    return table(
        frame,
        formats={"return_pct": fmt_pct},
        text_columns=("symbol", "direction", "entry_time", "exit_time", "exit_reason"),
        signed=("pnl", "return_pct"),
        table_id="trades",
    )


def _capped(trades: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, str | None]:
    if len(trades) <= limit:
        return trades, None
    return (
        trades.iloc[-limit:],
        f"{len(trades):,} trades: the table and the chart show the last {limit:,}.",
    )


def backtest_report(
    result: BacktestResult,
    context: ReportContext,
    *,
    overlays: Mapping[str, F64] | None = None,
    max_candles: int = MAX_CANDLES,
    max_trades: int = MAX_TRADES,
) -> str:
    """Stats, candlesticks with ``overlays`` (indicator lines, one value per bar) and
    trade markers, equity against buy & hold, drawdown, and the trade list."""
    market = result.market
    symbol = market.symbols[0]
    chart = candles(
        market.times(),
        market.open[:, 0],
        market.high[:, 0],
        market.low[:, 0],
        market.close[:, 0],
        max_candles=max_candles,
    )
    buckets = chart.buckets
    close = market.close[:, 0]
    benchmark = result.config.cash * close / close[0]
    trades, trade_note = _capped(result.trades, max_trades)
    figure = charts.backtest_figure(
        candles=chart,
        overlays={
            name: np.asarray(buckets.last(values), dtype=np.float64)
            for name, values in (overlays or {}).items()
        },
        trades=trades[trades["instrument"] == 0],
        equity=np.asarray(buckets.last(result.equity_values), dtype=np.float64),
        benchmark=np.asarray(buckets.last(benchmark), dtype=np.float64),
        drawdown=buckets.max(result.drawdown.to_numpy()),
        symbol=symbol,
    )
    body = [
        f"<h1>{_escape(context.title)}</h1>",
        facts(context.facts),
        cards(stat_rows(result.summary())),
    ]
    if buckets.factor > 1:
        body.append(
            note(
                f"Long series: the chart shows {buckets.count:,} candles of {buckets.factor:,} "
                f"bars each ({market.bars:,} bars in the backtest); equity is the last value "
                "of each group and drawdown its deepest point. Trades are marked at their "
                "exact times and prices."
            )
        )
    if market.instruments > 1:
        body.append(note(f"The chart shows {symbol}; the trade table lists every instrument."))
    body.append(
        f'<div class="panel">{charts.figure_html(figure, "chart", include_plotlyjs=True)}</div>'
    )
    body.append(f"<h2>Trades ({len(result.trades):,})</h2>")
    if trade_note:
        body.append(note(trade_note))
    body.append(_trade_table(trades) if len(trades) else "<p>No trades.</p>")
    return page(context.title, body)


def _metric_formats(columns: Sequence[str]) -> dict[str, Formatter]:
    """Percent formatting for fraction columns (also with an is_/oos_ prefix)."""
    fractions = _FRACTIONS | {"return"}
    return {c: fmt_pct for c in columns if c.removeprefix("is_").removeprefix("oos_") in fractions}


def optimization_report(result: OptimizeResult, context: ReportContext, *, top: int = 50) -> str:
    """The search: best parameters, a heatmap (two varying parameters) or a line (one),
    and the ``top`` ranked rows."""
    metric = result.objective
    best = result.best_params
    summary = [
        ("Method", str(result.method)),
        ("Objective", metric),
        ("Evaluations", f"{result.evaluations:,}"),
        ("Best " + metric, fmt_number(result.best_score)),
        ("Best parameters", ", ".join(f"{k}={v}" for k, v in best.items())),
        ("Search time", f"{result.elapsed_s:,.2f} s"),
    ]
    body = [f"<h1>{_escape(context.title)}</h1>", facts(context.facts), cards(summary)]
    varying = result.space.varying
    if len(varying) >= 2:
        x, y = varying[0], varying[1]
        grid = result.heatmap(x, y)
        figure = charts.heatmap_figure(
            grid, objective=metric, maximise=maximises(metric), best=(best[x], best[y])
        )
        body.append(f"<h2>{_escape(metric)} by {_escape(x)} and {_escape(y)}</h2>")
        if len(varying) > 2:
            body.append(note(f"Cells average {metric} over the other parameters."))
        body.append(
            f'<div class="panel">{charts.figure_html(figure, "heatmap", include_plotlyjs=True)}'
            "</div>"
        )
    elif len(varying) == 1:
        x = varying[0]
        curve = result.table.groupby(x)[metric].mean()
        figure = charts.line_figure(curve.index.to_list(), curve.to_list(), x_name=x, y_name=metric)
        body.append(
            f'<div class="panel">{charts.figure_html(figure, "curve", include_plotlyjs=True)}</div>'
        )
    ranked = result.ranked().head(top)
    columns = [*result.space.names, *(c for c in _METRIC_COLUMNS if c in ranked.columns)]
    if metric not in columns:
        columns.insert(len(result.space.names), metric)
    body.append(f"<h2>Top {len(ranked):,} of {result.evaluations:,} by {_escape(metric)}</h2>")
    body.append(table(ranked[columns], formats=_metric_formats(columns), table_id="ranking"))
    return page(context.title, body)


def walkforward_report(
    result: WalkForwardResult, context: ReportContext, *, max_trades: int = MAX_TRADES
) -> str:
    """Out-of-sample statistics and equity, and each window's parameters with its in- and
    out-of-sample figures."""
    wf = result.walkforward
    times = result.market.times()
    details = (
        *context.facts,
        ("Windows", f"{len(result.windows)} {'anchored' if wf.anchored else 'rolling'}"),
        ("Train / test", f"{wf.train:,} / {wf.test:,} bars"),
        ("Search", f"{result.settings.method} on {result.objective}"),
    )
    body = [
        f"<h1>{_escape(context.title)}</h1>",
        facts(details),
        cards(stat_rows(result.summary())),
    ]
    if result.unused_bars:
        body.append(
            note(f"The last {result.unused_bars:,} bars do not fill a test window and are unused.")
        )
    figure = charts.walkforward_figure(
        x=result.equity.index,
        equity=result.equity_values,
        drawdown=result.drawdown.to_numpy(),
        boundaries=[times[w.window.test_start] for w in result.windows],
    )
    body.append(
        f'<div class="panel">{charts.figure_html(figure, "oos", include_plotlyjs=True)}</div>'
    )
    windows = result.window_table()
    body.append("<h2>Windows</h2>")
    body.append(
        note(
            "Each window optimises on its train bars, then trades the chosen parameters on "
            "its test bars starting from the previous window's final equity (is_: in sample, "
            "oos_: out of sample)."
        )
    )
    body.append(
        table(
            windows,
            formats=_metric_formats(list(windows.columns)),
            signed=("oos_return",),
            text_columns=("train_start", "train_end", "test_start", "test_end"),
            table_id="windows",
        )
    )
    trades, trade_note = _capped(result.trades, max_trades)
    body.append(f"<h2>Out-of-sample trades ({len(result.trades):,})</h2>")
    if trade_note:
        body.append(note(trade_note))
    body.append(_trade_table(trades) if len(trades) else "<p>No trades.</p>")
    return page(context.title, body)


__all__ = [
    "MAX_TRADES",
    "ReportContext",
    "backtest_report",
    "optimization_report",
    "walkforward_report",
]
