"""Backtest use cases shared by the CLI and the API.

- ``load_market_frame``: the bars to test on, from a CSV/Parquet file, the catalog, or the
  embedded synthetic generator (``DataRequest`` says which).
- ``run_backtest_job``: one backtest of a built-in strategy, optionally with an HTML report.
- ``optimize_job``: grid / random / Optuna search, optionally with an HTML heatmap page.
- ``walkforward_job``: walk-forward optimisation with stitched out-of-sample results.

Each takes what it works on explicitly (frames, paths, a ``Catalog``) and returns a typed
result; none reads settings. Long work reports ``(done, total)`` through ``progress``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.backtest import BacktestConfig, BacktestResult, MarketData, run_backtest
from tradegraph.backtest.optimize import OptimizeResult, OptimizeSettings, optimize
from tradegraph.backtest.report import (
    ReportContext,
    backtest_report,
    optimization_report,
    walkforward_report,
    write_html,
)
from tradegraph.backtest.space import ChoiceParam, Constraint, ParameterSpace, Params, ParamValue
from tradegraph.backtest.strategies import (
    IndicatorCache,
    SmaCrossParams,
    StrategyBuilder,
    get_strategy,
)
from tradegraph.backtest.walkforward import WalkForwardConfig, WalkForwardResult, walk_forward
from tradegraph.core.errors import DataNotFoundError, ValidationError
from tradegraph.data.catalog import Catalog
from tradegraph.data.sources.files import read_ohlcv_file
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.services.workflows import (
    WorkflowStrategy,
    is_workflow_reference,
    workflow_strategy,
)

Progress = Callable[[int, int], None]
F64 = npt.NDArray[np.float64]

#: the symbol that means "the embedded synthetic data" when the catalog does not have it
SYNTHETIC_SYMBOL: Final = "SYNTH"
DEFAULT_SYNTHETIC_TIMEFRAME: Final = "1h"
DEFAULT_SYNTHETIC_BARS: Final = 5_000
_DATA_HINT: Final = (
    "Give --data FILE.csv, or --symbol S --timeframe TF (from the catalog), "
    "or --synthetic for the embedded synthetic data."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DataRequest:
    """Where the bars come from: a file (``path``), the catalog (``symbol`` +
    ``timeframe``, optionally ``venue``) or the synthetic generator (``synthetic``, or
    the symbol ``SYNTH`` when the catalog has no such series; ``bars`` and ``seed``)."""

    symbol: str | None = None
    timeframe: Timeframe | None = None
    venue: str | None = None
    path: Path | None = None
    synthetic: bool = False
    bars: int = DEFAULT_SYNTHETIC_BARS
    seed: int = 0

    def __post_init__(self) -> None:
        if self.path is not None and self.synthetic:
            raise ValidationError(
                "Both a data file and --synthetic were given.",
                hint="Choose one source: --data FILE.csv or --synthetic.",
            )
        if self.path is None and not self.synthetic and not (self.symbol and self.timeframe):
            raise ValidationError("No market data was chosen.", hint=_DATA_HINT)
        if self.bars < 2:
            raise ValidationError(
                f"bars = {self.bars}; expected at least 2.", hint="For example --bars 5000."
            )


@dataclass(frozen=True, slots=True, eq=False)
class MarketFrame:
    """Loaded bars (a contract OHLCV frame) and what they are."""

    frame: pd.DataFrame
    symbol: str
    timeframe: Timeframe | None
    source: str

    def market(self) -> MarketData:
        if self.frame.empty:
            raise ValidationError(f"{self.source} has no bars.", hint="Load some data first.")
        return MarketData.from_frame(self.frame, symbol=self.symbol)

    def facts(self) -> tuple[tuple[str, str], ...]:
        index = self.frame.index
        span = (
            f"{index[0]:%Y-%m-%d %H:%M} → {index[-1]:%Y-%m-%d %H:%M}"
            if isinstance(index, pd.DatetimeIndex) and len(index)
            else "-"
        )
        timeframe = str(self.timeframe) if self.timeframe else "-"
        return (
            ("Data", self.source),
            ("Symbol", self.symbol),
            ("Timeframe", timeframe),
            ("Bars", f"{len(self.frame):,}"),
            ("Period", span),
        )


def load_market_frame(request: DataRequest, *, catalog: Catalog | None = None) -> MarketFrame:
    """The bars ``request`` names (see ``DataRequest``)."""
    if request.path is not None:
        imported = read_ohlcv_file(request.path, timeframe=request.timeframe)
        symbol = (request.symbol or imported.path.stem).upper()
        return MarketFrame(imported.frame, symbol, request.timeframe, f"file {imported.path}")
    timeframe = request.timeframe or Timeframe.parse(DEFAULT_SYNTHETIC_TIMEFRAME)
    symbol = (request.symbol or SYNTHETIC_SYMBOL).strip().upper()
    if not request.synthetic:
        if catalog is None:
            raise ValidationError("No catalog to load from.", hint=_DATA_HINT)
        try:
            key = catalog.find(symbol, timeframe, request.venue)
        except DataNotFoundError as exc:
            if symbol != SYNTHETIC_SYMBOL:
                raise DataNotFoundError(
                    exc.message,
                    hint=f"{exc.hint} For a demo without data use --synthetic.",
                ) from exc
        else:
            return MarketFrame(catalog.load(key), key.symbol, key.timeframe, f"catalog {key}")
    frame = synthetic_ohlcv(timeframe, request.bars, seed=request.seed)
    return MarketFrame(frame, symbol, timeframe, f"synthetic (seed {request.seed})")


# -- strategy presentation ------------------------------------------------------------


def _sma_overlays(market: MarketData, params: Params) -> dict[str, F64]:
    cache = IndicatorCache(market)
    return {
        f"SMA({int(params[name])})": cache.sma(0, int(params[name])) for name in ("fast", "slow")
    }


_DEFAULTS: Final[dict[str, Params]] = {"sma_cross": dict(asdict(SmaCrossParams()))}
#: constraints a strategy needs whatever the user asks (it rejects other points)
_IMPLIED: Final[dict[str, tuple[str, ...]]] = {"sma_cross": ("fast < slow",)}
_OVERLAYS: Final[dict[str, Callable[[MarketData, Params], dict[str, F64]]]] = {
    "sma_cross": _sma_overlays
}


#: workflow node types drawn on the price chart of a report (same scale as price)
_PRICE_NODES: Final[frozenset[str]] = frozenset(
    {
        "sma",
        "ema",
        "wma",
        "bollinger",
        "supertrend",
        "donchian",
        "keltner",
        "vwap_session",
        "vwap_rolling",
        "vwap_anchored",
    }
)


@dataclass(frozen=True, slots=True, eq=False)
class StrategyRef:
    """What the jobs need to know of a strategy, whether a workflow or a built-in."""

    name: str
    builder: StrategyBuilder
    defaults: Params
    implied: tuple[str, ...]
    workflow: WorkflowStrategy | None = None

    def overlays(self, market: MarketData, params: Params) -> dict[str, F64] | None:
        if self.workflow is None:
            overlay = _OVERLAYS.get(self.name)
            return overlay(market, params) if overlay else None
        ws = self.workflow
        result = ws.plan(params).run(ws.bars_for(market), llm=ws.llm, symbol=ws.symbol)
        types = {node.id: node.type for node in ws.spec.nodes}
        lines: dict[str, F64] = {}
        for node_id, outputs in result.values.items():
            if types.get(node_id) not in _PRICE_NODES:
                continue
            for port, value in outputs.items():
                if isinstance(value, np.ndarray) and value.shape == (len(market.index_ns),):
                    lines[f"{node_id}.{port}"] = np.asarray(value, dtype=np.float64)
        return lines or None


def resolve_strategy(strategy: str, data: MarketFrame) -> StrategyRef:
    """A workflow (template name such as ``sma_cross``, or a .yaml/.yml/.json file) bound to
    ``data``'s symbol and timeframe, or else a hand-coded built-in strategy."""
    if is_workflow_reference(strategy):
        ws = workflow_strategy(
            strategy, timeframe=data.timeframe, symbol=data.symbol, volume_frame=data.frame
        )
        return StrategyRef(
            ws.name, ws.builder, _numeric(ws.defaults), tuple(ws.spec.constraints), workflow=ws
        )
    builder = get_strategy(strategy)
    return StrategyRef(
        strategy, builder, dict(_DEFAULTS.get(strategy, {})), _IMPLIED.get(strategy, ())
    )


def effective_params(ref: StrategyRef, params: Mapping[str, ParamValue]) -> Params:
    """The strategy's defaults overridden by ``params``."""
    return {**ref.defaults, **params}


def complete_space(ref: StrategyRef, space: ParameterSpace | None) -> ParameterSpace:
    """``space`` plus the strategy's defaults for parameters it does not search (as fixed
    values) and the constraints the strategy needs (e.g. ``fast < slow``). A workflow
    searched with no ``--param`` ranges uses its own parameter bounds."""
    if space is None:
        if ref.workflow is None:
            raise ValidationError(
                f"{ref.name} has no parameter bounds of its own to search.",
                hint="Give ranges, e.g. --param fast=5:50:5 --param slow=10:200:10.",
            )
        space = ref.workflow.space()
    given = set(space.names)
    fixed = tuple(
        ChoiceParam(name, (value,)) for name, value in ref.defaults.items() if name not in given
    )
    present = {c.text.replace(" ", "") for c in space.constraints}
    implied = tuple(
        Constraint.parse(text)
        for text in ref.implied
        if text.replace(" ", "") not in present
        and all(name in given for name in _identifiers(text))
    )
    return ParameterSpace(space.params + fixed, space.constraints + implied)


def _numeric(values: Mapping[str, object]) -> Params:
    """The numeric parameters (text and boolean ones keep their workflow values)."""
    return {
        name: value
        for name, value in values.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def _identifiers(text: str) -> list[str]:
    return [token for token in re.split(r"[^A-Za-z0-9_]+", text) if token.isidentifier()]


def _params_text(params: Mapping[str, ParamValue]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _config_facts(config: BacktestConfig) -> tuple[tuple[str, str], ...]:
    return (
        ("Cash", f"{config.cash:,.2f}"),
        ("Commission", f"{100 * config.commission_pct:g}%"),
        ("Slippage", f"{config.slippage_bps:g} bps"),
        ("Direction", config.direction.name.lower()),
        ("Fill", config.fill.name.lower()),
    )


# -- use cases --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class BacktestJobResult:
    """One backtest: the result, the engine time and where the report went."""

    data: MarketFrame
    strategy: str
    params: Params
    result: BacktestResult
    elapsed_s: float
    """Signals + simulation + statistics, excluding data loading and the report."""
    report_path: Path | None

    def summary(self) -> dict[str, float | int]:
        return {**self.result.summary(), "elapsed_s": self.elapsed_s}


def run_backtest_job(
    data: MarketFrame,
    *,
    strategy: str,
    params: Mapping[str, ParamValue],
    config: BacktestConfig,
    report: Path | None = None,
) -> BacktestJobResult:
    """Backtest ``strategy`` (a workflow or a built-in) with ``params`` on ``data``."""
    ref = resolve_strategy(strategy, data)
    market = data.market()
    full = effective_params(ref, params)
    started = time.perf_counter()
    result = run_backtest(market, ref.builder(market, full, None), config)
    _ = result.stats
    elapsed = time.perf_counter() - started
    written = None
    if report is not None:
        context = ReportContext(
            f"Backtest: {strategy} on {data.symbol}",
            (
                *data.facts(),
                ("Strategy", f"{strategy}({_params_text(full)})"),
                *_config_facts(config),
            ),
        )
        html = backtest_report(result, context, overlays=ref.overlays(market, full))
        written = write_html(report, html)
    return BacktestJobResult(data, strategy, full, result, elapsed, written)


@dataclass(frozen=True, slots=True, eq=False)
class OptimizeJobResult:
    data: MarketFrame
    strategy: str
    result: OptimizeResult
    report_path: Path | None


def optimize_job(
    data: MarketFrame,
    *,
    strategy: str,
    space: ParameterSpace | None,
    config: BacktestConfig,
    settings: OptimizeSettings,
    report: Path | None = None,
    progress: Progress | None = None,
) -> OptimizeJobResult:
    """Search ``space`` for the best parameters of ``strategy`` on ``data``; ``report``
    gets the heatmap page."""
    ref = resolve_strategy(strategy, data)
    space = complete_space(ref, space)
    result = optimize(data.market(), ref.builder, space, config, settings, progress=progress)
    written = None
    if report is not None:
        context = ReportContext(
            f"Optimisation: {strategy} on {data.symbol}",
            (*data.facts(), ("Constraints", _constraints(space)), *_config_facts(config)),
        )
        written = write_html(report, optimization_report(result, context))
    return OptimizeJobResult(data, strategy, result, written)


@dataclass(frozen=True, slots=True, eq=False)
class WalkForwardJobResult:
    data: MarketFrame
    strategy: str
    result: WalkForwardResult
    report_path: Path | None


def walkforward_job(
    data: MarketFrame,
    *,
    strategy: str,
    space: ParameterSpace | None,
    config: BacktestConfig,
    walkforward: WalkForwardConfig,
    settings: OptimizeSettings,
    report: Path | None = None,
    progress: Progress | None = None,
) -> WalkForwardJobResult:
    """Walk-forward optimisation of ``strategy`` over ``space`` on ``data``."""
    ref = resolve_strategy(strategy, data)
    space = complete_space(ref, space)
    result = walk_forward(
        data.market(), ref.builder, space, config, walkforward, settings=settings, progress=progress
    )
    written = None
    if report is not None:
        context = ReportContext(
            f"Walk-forward: {strategy} on {data.symbol}",
            (*data.facts(), ("Constraints", _constraints(space)), *_config_facts(config)),
        )
        written = write_html(report, walkforward_report(result, context))
    return WalkForwardJobResult(data, strategy, result, written)


def _constraints(space: ParameterSpace) -> str:
    return "; ".join(c.text for c in space.constraints) or "none"


__all__ = [
    "DEFAULT_SYNTHETIC_BARS",
    "DEFAULT_SYNTHETIC_TIMEFRAME",
    "SYNTHETIC_SYMBOL",
    "BacktestJobResult",
    "DataRequest",
    "MarketFrame",
    "OptimizeJobResult",
    "StrategyRef",
    "WalkForwardJobResult",
    "complete_space",
    "effective_params",
    "load_market_frame",
    "optimize_job",
    "resolve_strategy",
    "run_backtest_job",
    "walkforward_job",
]
