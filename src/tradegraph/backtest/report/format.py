"""Labels and number formats of the headline statistics (HTML report and CLI table)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["pct", "ratio", "int", "money", "bars", "num", "secs"]


@dataclass(frozen=True, slots=True)
class StatSpec:
    """One statistic of ``BacktestResult.summary()``: its key, label and format."""

    key: str
    label: str
    kind: Kind


STAT_SPECS: Final = (
    StatSpec("return_pct", "Return", "pct"),
    StatSpec("buy_hold_return_pct", "Buy & hold return", "pct"),
    StatSpec("cagr_pct", "CAGR", "pct"),
    StatSpec("sharpe", "Sharpe ratio", "ratio"),
    StatSpec("sortino", "Sortino ratio", "ratio"),
    StatSpec("calmar", "Calmar ratio", "ratio"),
    StatSpec("max_drawdown_pct", "Max drawdown", "pct"),
    StatSpec("max_drawdown_bars", "Longest drawdown", "bars"),
    StatSpec("volatility_pct", "Volatility (annual)", "pct"),
    StatSpec("trades", "Trades (closed)", "int"),
    StatSpec("win_rate_pct", "Win rate", "pct"),
    StatSpec("profit_factor", "Profit factor", "ratio"),
    StatSpec("expectancy", "Expectancy per trade", "money"),
    StatSpec("sqn", "SQN", "ratio"),
    StatSpec("avg_bars_held", "Avg bars held", "num"),
    StatSpec("exposure_pct", "Exposure", "pct"),
    StatSpec("final_equity", "Final equity", "money"),
    StatSpec("rejected_orders", "Rejected orders", "int"),
    StatSpec("windows", "Windows", "int"),
    StatSpec("oos_bars", "Out-of-sample bars", "int"),
    StatSpec("unused_bars", "Unused bars at the end", "int"),
    StatSpec("bars", "Bars", "int"),
    StatSpec("elapsed_s", "Engine time", "secs"),
)


def format_stat(kind: Kind, value: float | int | None) -> str:
    """``value`` as shown to people: NaN/None as '-', infinities as '∞'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if kind == "pct":
        return f"{value:,.2f}%"
    if kind == "ratio":
        return f"{value:,.3f}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind in ("int", "bars"):
        return f"{int(value):,}"
    if kind == "secs":
        return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"
    return f"{value:,.1f}"


def stat_rows(summary: Mapping[str, float | int]) -> list[tuple[str, str]]:
    """(label, formatted value) for every known statistic present in ``summary``."""
    return [
        (spec.label, format_stat(spec.kind, summary[spec.key]))
        for spec in STAT_SPECS
        if spec.key in summary
    ]


__all__ = ["STAT_SPECS", "Kind", "StatSpec", "format_stat", "stat_rows"]
