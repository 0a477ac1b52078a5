"""Backtest reports: self-contained HTML pages (plotly.js embedded, so they work offline)
for a backtest, an optimisation and a walk-forward analysis, plus the stat labels and
formats the CLI shares with them.

Boundary: builds strings from result objects of ``tradegraph.backtest``; the only I/O is
``write_html``. plotly is confined to ``charts.py``.
"""

from tradegraph.backtest.report.format import STAT_SPECS, StatSpec, format_stat, stat_rows
from tradegraph.backtest.report.html import write_html
from tradegraph.backtest.report.pages import (
    ReportContext,
    backtest_report,
    optimization_report,
    walkforward_report,
)

__all__ = [
    "STAT_SPECS",
    "ReportContext",
    "StatSpec",
    "backtest_report",
    "format_stat",
    "optimization_report",
    "stat_rows",
    "walkforward_report",
    "write_html",
]
