"""Parameter sweeps: many backtests of one strategy on one market, sharing indicator
work (``IndicatorCache``) and running on several threads (the kernels release the GIL).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace

import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.engine import run_backtest
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.strategies import IndicatorCache, StrategyBuilder
from tradegraph.core.errors import ValidationError
from tradegraph.portfolio import infer_periods_per_year

Params = Mapping[str, float]
Progress = Callable[[int, int], None]

#: objectives where smaller is better; every other metric is maximised
MINIMISE = frozenset({"max_drawdown", "max_drawdown_bars", "volatility"})


@dataclass(frozen=True, slots=True)
class SweepResult:
    """One row per parameter combination: the parameters, then every metric."""

    table: pd.DataFrame
    objective: str
    param_names: tuple[str, ...]
    elapsed_s: float

    @property
    def best(self) -> pd.Series:
        """The best row by the objective (NaN objectives rank last)."""
        ranked = self.ranked()
        return ranked.iloc[0]

    @property
    def best_params(self) -> dict[str, float]:
        row = self.best
        return {name: row[name].item() for name in self.param_names}

    def ranked(self) -> pd.DataFrame:
        ascending = self.objective in MINIMISE
        return self.table.sort_values(self.objective, ascending=ascending, na_position="last")

    def heatmap(self, x: str | None = None, y: str | None = None) -> pd.DataFrame:
        """Objective by two parameters (rows y, columns x) - for two-parameter grids."""
        if len(self.param_names) < 2 and (x is None or y is None):
            raise ValidationError(
                "A heatmap needs two parameters.", hint="Sweep two parameters, e.g. fast and slow."
            )
        col = x or self.param_names[0]
        row = y or self.param_names[1]
        return self.table.pivot_table(index=row, columns=col, values=self.objective)


def check_objective(objective: str) -> None:
    known = _metric_names()
    if objective not in known:
        raise ValidationError(
            f"Unknown objective {objective!r}.", hint=f"Choose one of: {', '.join(known)}."
        )


def _metric_names() -> list[str]:
    return [
        "total_return", "cagr", "sharpe", "sortino", "calmar", "max_drawdown",
        "max_drawdown_bars", "volatility", "win_rate", "profit_factor", "expectancy",
        "avg_return", "avg_r", "sqn", "trades", "exposure", "final_equity",
    ]  # fmt: skip


def run_sweep(
    market: MarketData,
    builder: StrategyBuilder,
    combos: Sequence[Params],
    config: BacktestConfig | None = None,
    *,
    objective: str = "sharpe",
    workers: int = 2,
    progress: Progress | None = None,
    cache: IndicatorCache | None = None,
) -> SweepResult:
    """Backtest ``builder`` with every parameter combination in ``combos``."""
    check_objective(objective)
    if not combos:
        raise ValidationError(
            "The parameter space is empty.", hint="Check the ranges and the constraint."
        )
    started = time.perf_counter()
    cfg = config or BacktestConfig()
    if cfg.periods_per_year is None:
        # what every run's statistics would infer from the same index: infer it once
        ppy = infer_periods_per_year(market.index_ns) if market.has_times else 252.0
        cfg = replace(cfg, periods_per_year=ppy)
    shared = cache if cache is not None else IndicatorCache(market)

    def one(params: Params) -> dict[str, float]:
        intents = builder(market, params, shared)
        result = run_backtest(market, intents, cfg, record_positions=False)
        row: dict[str, float] = dict(params)
        row.update(result.stats.as_flat_dict())
        row["engine_s"] = result.elapsed_s
        return row

    rows: list[dict[str, float]] = []
    if workers <= 1:
        for i, params in enumerate(combos):
            rows.append(one(params))
            if progress:
                progress(i + 1, len(combos))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(one, p) for p in combos]
            for i, future in enumerate(as_completed(futures)):
                rows.append(future.result())
                if progress:
                    progress(i + 1, len(combos))
    names = tuple(combos[0].keys())
    table = pd.DataFrame(rows).sort_values(list(names)).reset_index(drop=True)
    table[objective] = (
        table[objective]
        .astype(float)
        .where(table[objective].astype(float).map(math.isfinite) | (table[objective] == math.inf))
    )
    return SweepResult(table, objective, names, time.perf_counter() - started)


__all__ = ["MINIMISE", "SweepResult", "check_objective", "run_sweep"]
