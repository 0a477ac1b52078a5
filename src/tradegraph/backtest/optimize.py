"""Parameter optimisation: grid, random and (optionally) Optuna TPE search over a
``ParameterSpace``, scored by one objective metric.

Searchers propose batches of points and are told the scores (``Searcher``). Each batch is
evaluated by ``run_sweep`` (threads over cores, indicator work shared through one
``IndicatorCache`` for the whole search), so every backtest runs in the compiled engine.
Points proposed twice are evaluated once. The Optuna searcher lives in
``tradegraph.backtest.optuna_search``, which imports optuna at its top; it is loaded only
when that method is chosen (optuna is an optional extra).
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

import pandas as pd

from tradegraph.backtest.config import BacktestConfig
from tradegraph.backtest.market import MarketData
from tradegraph.backtest.space import ParameterSpace, Params
from tradegraph.backtest.strategies import IndicatorCache, StrategyBuilder
from tradegraph.backtest.sweep import MINIMISE, SweepResult, check_objective, run_sweep
from tradegraph.core.errors import ValidationError

Progress = Callable[[int, int], None]

#: default number of trials of random and optuna search
DEFAULT_TRIALS: Final = 100
OPTUNA_MODULE: Final = "tradegraph.backtest.optuna_search"

#: friendly names accepted for the objective, mapped to the metric column
OBJECTIVE_ALIASES: Final[dict[str, str]] = {
    "return": "total_return",
    "return_pct": "total_return",
    "drawdown": "max_drawdown",
    "max_drawdown_pct": "max_drawdown",
    "win_rate_pct": "win_rate",
    "pf": "profit_factor",
}


class SearchMethod(StrEnum):
    GRID = "grid"
    RANDOM = "random"
    OPTUNA = "optuna"


def resolve_objective(name: str) -> str:
    """The metric column of an objective name (aliases such as ``return`` included)."""
    metric = OBJECTIVE_ALIASES.get(name.strip().lower(), name.strip().lower())
    check_objective(metric)
    return metric


def maximises(metric: str) -> bool:
    return metric not in MINIMISE


@dataclass(frozen=True, slots=True, kw_only=True)
class OptimizeSettings:
    """How to search: method, objective, budget, seed, threads.

    ``trials`` is the number of points random and optuna search evaluate (default 100);
    grid search evaluates every feasible point and ignores it. Rows with fewer than
    ``min_trades`` closed trades score NaN (ranked last).
    """

    method: SearchMethod = SearchMethod.GRID
    objective: str = "sharpe"
    trials: int | None = None
    seed: int = 0
    workers: int = 2
    min_trades: int = 0

    def __post_init__(self) -> None:
        resolve_objective(self.objective)
        if self.trials is not None and self.trials < 1:
            raise ValidationError(
                f"trials = {self.trials}; expected at least 1.", hint="For example --trials 100."
            )
        if self.workers < 1 or self.min_trades < 0:
            raise ValidationError(
                f"workers = {self.workers} and min_trades = {self.min_trades}; expected "
                "workers >= 1 and min_trades >= 0.",
                hint="workers is the number of threads (the machine's cores).",
            )

    @property
    def metric(self) -> str:
        return resolve_objective(self.objective)

    @property
    def budget(self) -> int:
        return self.trials if self.trials is not None else DEFAULT_TRIALS


class Searcher(Protocol):
    """Proposes points to evaluate and learns from their scores."""

    @property
    def total(self) -> int:
        """How many points the search will propose (for progress)."""
        ...

    def ask(self, n: int) -> list[Params]:
        """Up to ``n`` points (more when the searcher works in one batch); [] when done."""
        ...

    def tell(self, points: Sequence[Params], scores: Sequence[float]) -> None:
        """The objective of each point of the last ``ask`` (NaN when undefined)."""
        ...


SearcherFactory = Callable[[ParameterSpace, OptimizeSettings], Searcher]


class _BatchSearcher:
    """Proposes a fixed list of points in one batch (grid and random search)."""

    def __init__(self, points: list[Params]) -> None:
        self._points = points
        self._done = False

    @property
    def total(self) -> int:
        return len(self._points)

    def ask(self, n: int) -> list[Params]:  # noqa: ARG002 - one batch whatever n is
        if self._done:
            return []
        self._done = True
        return list(self._points)

    def tell(self, points: Sequence[Params], scores: Sequence[float]) -> None:  # noqa: ARG002 - learns nothing
        return None


def grid_searcher(space: ParameterSpace, settings: OptimizeSettings) -> Searcher:  # noqa: ARG001
    """Every feasible grid point."""
    points = space.grid()
    if not points:
        raise ValidationError(
            "No grid point satisfies the constraints.",
            hint="Check the ranges against the constraints (e.g. fast < slow).",
        )
    return _BatchSearcher(points)


def random_searcher(space: ParameterSpace, settings: OptimizeSettings) -> Searcher:
    """``settings.budget`` distinct feasible points drawn with ``settings.seed``."""
    return _BatchSearcher(space.sample(settings.budget, settings.seed))


def make_searcher(space: ParameterSpace, settings: OptimizeSettings) -> Searcher:
    """The searcher of ``settings.method``; loads the Optuna module only when chosen
    (it raises ConfigurationError with the install command when optuna is missing)."""
    if settings.method is SearchMethod.GRID:
        return grid_searcher(space, settings)
    if settings.method is SearchMethod.RANDOM:
        return random_searcher(space, settings)
    module = importlib.import_module(OPTUNA_MODULE)
    factory: SearcherFactory = module.OptunaSearcher
    return factory(space, settings)


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    """Every evaluated point (``table``: parameters then metrics) and the best one."""

    sweep: SweepResult
    method: SearchMethod
    space: ParameterSpace
    settings: OptimizeSettings
    elapsed_s: float

    @property
    def table(self) -> pd.DataFrame:
        return self.sweep.table

    @property
    def objective(self) -> str:
        return self.sweep.objective

    @property
    def evaluations(self) -> int:
        return len(self.sweep.table)

    @property
    def best(self) -> pd.Series:
        return self.sweep.best

    @property
    def best_params(self) -> Params:
        """The best point, with each parameter in its own type (int stays int)."""
        label = self.ranked().index[0]
        return {name: _plain(self.table.at[label, name]) for name in self.space.names}

    @property
    def best_score(self) -> float:
        return float(self.best[self.objective])

    def ranked(self) -> pd.DataFrame:
        return self.sweep.ranked()

    def heatmap(self, x: str | None = None, y: str | None = None) -> pd.DataFrame:
        """Objective by two parameters (rows ``y``, columns ``x``; defaults: the first two
        parameters that vary). Cells average over any other varying parameters."""
        varying = self.space.varying
        if (x is None or y is None) and len(varying) < 2:
            raise ValidationError(
                "A heatmap needs two parameters that take several values.",
                hint="Search two parameters, e.g. --param fast=5:50:5 --param slow=10:200:10.",
            )
        return self.sweep.heatmap(x or varying[0], y or varying[1])


def _plain(value: object) -> int | float:
    item = value.item() if hasattr(value, "item") else value
    if isinstance(item, int | float):
        return item
    raise ValidationError(f"Parameter value {value!r} is not a number.", hint="Use numbers.")


def _key(point: Params, names: Sequence[str]) -> tuple[float, ...]:
    return tuple(float(point[n]) for n in names)


def optimize(
    market: MarketData,
    builder: StrategyBuilder,
    space: ParameterSpace,
    config: BacktestConfig | None = None,
    settings: OptimizeSettings | None = None,
    *,
    searcher: Searcher | None = None,
    progress: Progress | None = None,
    cache: IndicatorCache | None = None,
) -> OptimizeResult:
    """Search ``space`` for the parameters of ``builder`` that score best on ``market``."""
    opts = settings or OptimizeSettings()
    metric = opts.metric
    search = searcher or make_searcher(space, opts)
    shared = cache if cache is not None else IndicatorCache(market)
    names = space.names
    total = search.total
    scores: dict[tuple[float, ...], float] = {}
    tables: list[pd.DataFrame] = []
    done = 0
    started = time.perf_counter()
    while batch := search.ask(opts.workers):
        fresh: dict[tuple[float, ...], Params] = {}
        for point in batch:
            key = _key(point, names)
            if key not in scores:
                fresh.setdefault(key, {n: point[n] for n in names})
        if fresh:
            base = done

            def report(step: int, _count: int, base: int = base) -> None:
                if progress:
                    progress(min(base + step, total), total)

            sweep = run_sweep(
                market,
                builder,
                list(fresh.values()),
                config,
                objective=metric,
                workers=opts.workers,
                progress=report,
                cache=shared,
            )
            table = _apply_min_trades(sweep.table, metric, opts.min_trades)
            tables.append(table)
            for row in table[[*names, metric]].itertuples(index=False):
                scores[tuple(float(v) for v in row[:-1])] = float(row[-1])
        done += len(batch)
        if progress:
            progress(min(done, total), total)
        search.tell(batch, [scores[_key(p, names)] for p in batch])
    if not tables:
        raise ValidationError(
            "The search proposed no parameter combination.",
            hint="Check the ranges, the constraints and the number of trials.",
        )
    table = pd.concat(tables, ignore_index=True).sort_values(list(names)).reset_index(drop=True)
    elapsed = time.perf_counter() - started
    result = SweepResult(table, metric, names, elapsed)
    return OptimizeResult(result, opts.method, space, opts, elapsed)


def _apply_min_trades(table: pd.DataFrame, metric: str, min_trades: int) -> pd.DataFrame:
    if min_trades <= 0:
        return table
    out = table.copy()
    out.loc[out["trades"] < min_trades, metric] = math.nan
    return out


__all__ = [
    "DEFAULT_TRIALS",
    "OBJECTIVE_ALIASES",
    "OPTUNA_MODULE",
    "OptimizeResult",
    "OptimizeSettings",
    "SearchMethod",
    "Searcher",
    "SearcherFactory",
    "grid_searcher",
    "make_searcher",
    "maximises",
    "optimize",
    "random_searcher",
    "resolve_objective",
]
