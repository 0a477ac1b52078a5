"""Plotly figures of the reports (the only module that imports plotly).

Figures zoom and pan (scroll to zoom, drag to box-zoom, double-click to reset); the
price, equity and drawdown panes share their time axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tradegraph.backtest.report.downsample import Candles

F64 = npt.NDArray[np.float64]
Figure = Any  # plotly ships no type information

UP: Final = "#26a69a"
DOWN: Final = "#ef5350"
EQUITY: Final = "#1f77b4"
MUTED: Final = "#9e9e9e"
_OVERLAY_COLOURS: Final = ("#ff9800", "#7e57c2", "#00897b", "#d81b60", "#5d4037", "#3949ab")
_CONFIG: Final = {"displaylogo": False, "scrollZoom": True, "responsive": True}


def _layout(fig: Figure, height: int) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 40, "b": 30},
        template="plotly_white",
        hovermode="closest",
        dragmode="zoom",
        legend={"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"},
    )


def _trade_markers(fig: Figure, trades: pd.DataFrame) -> None:
    if trades.empty:
        return
    long = trades["direction"].to_numpy() == "long"
    label = (
        "#"
        + trades.index.astype(str)
        + " "
        + trades["direction"]
        + " "
        + trades["quantity"].map("{:,.6g}".format)
    )
    entry_text = label + " @ " + trades["entry_price"].map("{:,.6g}".format)
    for mask, name, symbol, colour in (
        (long, "long entry", "triangle-up", UP),
        (~long, "short entry", "triangle-down", DOWN),
    ):
        if mask.any():
            fig.add_trace(
                go.Scatter(
                    x=trades["entry_time"][mask],
                    y=trades["entry_price"][mask],
                    mode="markers",
                    name=name,
                    marker={"symbol": symbol, "size": 10, "color": colour, "line": {"width": 1}},
                    text=entry_text[mask],
                    hoverinfo="text+x",
                ),
                row=1,
                col=1,
            )
    closed = trades[trades["exit_reason"] != "open"]
    if closed.empty:
        return
    pnl = closed["pnl"].to_numpy()
    exit_text = (
        label[closed.index]
        + " exit ("
        + closed["exit_reason"]
        + ") @ "
        + closed["exit_price"].map("{:,.6g}".format)
        + "<br>P&L "
        + closed["pnl"].map("{:,.2f}".format)
        + " ("
        + (100 * closed["return_pct"]).map("{:+.2f}%".format)
        + ")"
    )
    fig.add_trace(
        go.Scatter(
            x=closed["exit_time"],
            y=closed["exit_price"],
            mode="markers",
            name="exit",
            marker={
                "symbol": "x",
                "size": 8,
                "color": np.where(pnl > 0, UP, DOWN).tolist(),
                "line": {"width": 1},
            },
            text=exit_text,
            hoverinfo="text+x",
        ),
        row=1,
        col=1,
    )


def backtest_figure(
    *,
    candles: Candles,
    overlays: Mapping[str, F64],
    trades: pd.DataFrame,
    equity: F64,
    benchmark: F64,
    drawdown: F64,
    symbol: str,
) -> Figure:
    """Candles with overlays and trade markers; equity (with buy & hold); drawdown.
    ``overlays``, ``equity``, ``benchmark`` and ``drawdown`` are on ``candles.x``."""
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.03,
        row_heights=[0.6, 0.25, 0.15],
        subplot_titles=(symbol, "Equity", "Drawdown"),
    )
    fig.add_trace(
        go.Candlestick(
            x=candles.x,
            open=candles.open,
            high=candles.high,
            low=candles.low,
            close=candles.close,
            name=symbol,
            increasing={"line": {"color": UP}, "fillcolor": UP},
            decreasing={"line": {"color": DOWN}, "fillcolor": DOWN},
        ),
        row=1,
        col=1,
    )
    for i, (name, values) in enumerate(overlays.items()):
        colour = _OVERLAY_COLOURS[i % len(_OVERLAY_COLOURS)]
        fig.add_trace(
            go.Scatter(x=candles.x, y=values, name=name, mode="lines", line={"color": colour}),
            row=1,
            col=1,
        )
    _trade_markers(fig, trades)
    fig.add_trace(
        go.Scatter(x=candles.x, y=equity, name="equity", line={"color": EQUITY}), row=2, col=1
    )
    fig.add_trace(
        go.Scatter(
            x=candles.x, y=benchmark, name="buy & hold", line={"color": MUTED, "dash": "dot"}
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=candles.x,
            y=-100 * drawdown,
            name="drawdown %",
            fill="tozeroy",
            line={"color": DOWN, "width": 1},
        ),
        row=3,
        col=1,
    )
    fig.update_xaxes(rangeslider_visible=False)
    fig.update_yaxes(ticksuffix="%", row=3, col=1)
    _layout(fig, 900)
    return fig


def walkforward_figure(
    *, x: pd.Index, equity: F64, drawdown: F64, boundaries: Sequence[object]
) -> Figure:
    """Stitched out-of-sample equity and drawdown, a dotted line where each window starts."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        row_heights=[0.7, 0.3],
        subplot_titles=("Out-of-sample equity", "Drawdown"),
    )
    fig.add_trace(go.Scatter(x=x, y=equity, name="equity", line={"color": EQUITY}), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=x, y=-100 * drawdown, name="drawdown %", fill="tozeroy", line={"color": DOWN}),
        row=2,
        col=1,
    )
    for start in boundaries:
        fig.add_vline(x=start, line={"color": MUTED, "dash": "dot", "width": 1})
    fig.update_yaxes(ticksuffix="%", row=2, col=1)
    _layout(fig, 650)
    return fig


def heatmap_figure(
    grid: pd.DataFrame, *, objective: str, maximise: bool, best: tuple[object, object] | None
) -> Figure:
    """The objective over two parameters (rows ``grid.index``, columns ``grid.columns``)."""
    x_name, y_name = str(grid.columns.name), str(grid.index.name)
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=np.float64),
            x=[str(v) for v in grid.columns],
            y=[str(v) for v in grid.index],
            colorscale="RdYlGn" if maximise else "RdYlGn_r",
            colorbar={"title": {"text": objective}},
            hovertemplate=f"{x_name}=%{{x}}<br>{y_name}=%{{y}}<br>{objective}=%{{z:.4g}}"
            "<extra></extra>",
        )
    )
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=[str(best[0])],
                y=[str(best[1])],
                mode="markers",
                name="best",
                marker={"symbol": "star", "size": 16, "color": "black"},
            )
        )
    fig.update_xaxes(title_text=x_name, type="category")
    fig.update_yaxes(title_text=y_name, type="category")
    _layout(fig, 600)
    return fig


def line_figure(x: Sequence[object], y: Sequence[float], *, x_name: str, y_name: str) -> Figure:
    """The objective over one parameter."""
    fig = go.Figure(go.Scatter(x=list(x), y=list(y), mode="lines+markers", name=y_name))
    fig.update_xaxes(title_text=x_name)
    fig.update_yaxes(title_text=y_name)
    _layout(fig, 450)
    return fig


def figure_html(fig: Figure, div_id: str, *, include_plotlyjs: bool) -> str:
    """The figure as an HTML fragment; ``include_plotlyjs`` embeds plotly.js inline
    (once per page), so the page needs no network."""
    html: str = fig.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        include_mathjax=False,
        div_id=div_id,
        config=_CONFIG,
    )
    return html


__all__ = [
    "backtest_figure",
    "figure_html",
    "heatmap_figure",
    "line_figure",
    "walkforward_figure",
]
