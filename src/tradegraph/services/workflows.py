"""Workflow use cases shared by the CLI and the API.

- ``resolve_source``: a workflow named by a template name or a ``.yaml``/``.json`` path.
- ``create_from_template``: copy a shipped template to a file for editing.
- ``check_source``: the validation report of a file or template (structural and
  semantic issues alike, as values), with its content hash when it parses.
- ``describe_source``: what ``tradegraph workflow show`` prints (tree, parameters).
- ``workflow_strategy``: the hook for backtests, optimisation and walk-forward: a
  :class:`WorkflowStrategy` whose ``builder`` has the backtest engine's
  ``StrategyBuilder`` signature ``(market, params, cache) -> Intents``, whose
  ``space()`` is the workflow's parameter bounds as a backtest ``ParameterSpace``, and
  whose ``defaults`` are the merged workflow parameters.
- ``backtest_workflow``: one backtest of a workflow on a frame of bars.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tradegraph.ai.cache import CachedLLM
from tradegraph.backtest import BacktestConfig, BacktestResult, Intents, MarketData, run_backtest
from tradegraph.backtest.space import ChoiceParam, Constraint, FloatParam, IntParam, ParameterSpace
from tradegraph.backtest.strategies import IndicatorCache
from tradegraph.core.errors import NotFoundError, ValidationError
from tradegraph.data.contract import times_ns
from tradegraph.indicators.specs import did_you_mean
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow import io as workflow_io
from tradegraph.workflow.batch import BatchPlan, EvalCache
from tradegraph.workflow.hashing import spec_hash
from tradegraph.workflow.issues import ValidationReport
from tradegraph.workflow.params import bind_inputs, merge_parameters, optimisation_space
from tradegraph.workflow.render import ParameterRow, parameter_rows, render_tree
from tradegraph.workflow.runtime import DEFAULT_SYMBOL, default_llm
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.templates import TemplateInfo, list_templates, load_template
from tradegraph.workflow.templates import template_names as _template_names
from tradegraph.workflow.validation import analyze, resolve
from tradegraph.workflow.values import Bars, FloatArray, IntArray

_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class WorkflowSource:
    """A loaded workflow and where it came from."""

    spec: WorkflowSpec
    origin: str
    path: Path | None = None


def is_workflow_reference(source: str | Path) -> bool:
    """True when ``source`` names a workflow file or a shipped template."""
    text = str(source)
    return text.lower().endswith(_SUFFIXES) or text in _template_names()


def resolve_source(source: str | Path) -> WorkflowSource:
    """Load a workflow from a file path (``.yaml``/``.yml``/``.json``) or a template name."""
    text = str(source)
    path = Path(text)
    if text.lower().endswith(_SUFFIXES) or path.is_file():
        return WorkflowSource(workflow_io.load(path), f"file {path}", path)
    names = _template_names()
    if text in names:
        return WorkflowSource(load_template(text), f"template {text}")
    raise NotFoundError(
        f"{text!r} is neither a workflow file nor a template.",
        hint=f"{did_you_mean(text, names)} Files end in .yaml, .yml or .json.",
    )


def templates() -> list[TemplateInfo]:
    """The shipped templates."""
    return list_templates()


def create_from_template(
    template: str, path: Path, *, overwrite: bool = False, workflow_id: str | None = None
) -> WorkflowSource:
    """Write template ``template`` to ``path`` (YAML or JSON by extension)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ValidationError(
            f"{path} already exists.", hint="Choose another file name or pass --force."
        )
    spec = load_template(template)
    if workflow_id is not None:
        meta = spec.metadata.model_copy(update={"id": workflow_id})
        spec = WorkflowSpec.model_validate({**spec.model_dump(), "metadata": meta.model_dump()})
    workflow_io.save(spec, path)
    return WorkflowSource(spec, f"file {path}", path)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of validating a workflow source."""

    origin: str
    spec: WorkflowSpec | None
    report: ValidationReport
    content_hash: str | None


def check_source(source: str | Path, overrides: Mapping[str, object] | None = None) -> CheckResult:
    """Validate a file or template; every problem is in the report (nothing raised for
    a malformed document, except when the file does not exist or is not YAML/JSON)."""
    text = str(source)
    path = Path(text)
    if text.lower().endswith(_SUFFIXES) or path.is_file():
        if not path.is_file():
            raise NotFoundError(f"Workflow file {text!r} does not exist.", hint="Check the path.")
        fmt = workflow_io.format_of(path)
        spec, report = workflow_io.parse_document(
            path.read_text(encoding="utf-8"), fmt, f"Workflow file {path.name!r}"
        )
        origin = f"file {path}"
    else:
        loaded = resolve_source(text)
        spec, report, origin = loaded.spec, ValidationReport(), loaded.origin
    if spec is None:
        return CheckResult(origin, None, report, None)
    return CheckResult(origin, spec, analyze(spec, overrides=overrides).report, spec_hash(spec))


@dataclass(frozen=True, slots=True)
class WorkflowOverview:
    """Everything ``workflow show`` displays."""

    origin: str
    spec: WorkflowSpec
    content_hash: str
    report: ValidationReport
    tree: tuple[str, ...]
    parameters: tuple[ParameterRow, ...]
    warmup_bars: int | None
    base_timeframe: str


def describe_source(
    source: str | Path, overrides: Mapping[str, object] | None = None
) -> WorkflowOverview:
    """The tree drawing, parameter table and validation report of a workflow."""
    loaded = resolve_source(source)
    analysis = analyze(loaded.spec, overrides=overrides)
    graph = analysis.graph
    values: dict[str, object] | None = dict(graph.parameters) if graph is not None else None
    return WorkflowOverview(
        origin=loaded.origin,
        spec=loaded.spec,
        content_hash=spec_hash(loaded.spec),
        report=analysis.report,
        tree=tuple(render_tree(graph)) if graph is not None else (),
        parameters=tuple(parameter_rows(loaded.spec, values)),
        warmup_bars=graph.warmup_bars() if graph is not None else None,
        base_timeframe=loaded.spec.inputs[0].timeframe if loaded.spec.inputs else "?",
    )


@dataclass(eq=False)
class WorkflowStrategy:
    """A workflow bound to a symbol and base timeframe, usable by the backtest engine.

    ``builder(market, params, cache)`` evaluates the workflow (batch plan) with
    ``params`` over ``market`` and returns backtest ``Intents``; node outputs are shared
    between calls on the same market (a sweep computes each distinct indicator once).
    Volume is taken from ``volume_frame`` where its times match the market's bars.
    """

    spec: WorkflowSpec
    origin: str
    timeframe: Timeframe
    symbol: str = DEFAULT_SYMBOL
    strategy_params: Mapping[str, object] = field(default_factory=dict)
    volume_frame: pd.DataFrame | None = None
    llm: CachedLLM = field(default_factory=default_llm)
    _cache: EvalCache = field(default_factory=EvalCache)
    _bars: dict[int, tuple[MarketData, Bars]] = field(default_factory=dict)
    _plans: dict[tuple[tuple[str, object], ...], BatchPlan] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.spec.metadata.id

    @property
    def defaults(self) -> dict[str, int | float | bool | str]:
        """The workflow parameters after the strategy overrides (validated)."""
        values, issues = merge_parameters(self.spec, self.strategy_params)
        ValidationReport(tuple(issues)).raise_for_errors(f"Workflow {self.name!r}")
        return values

    def space(self, names: list[str] | None = None) -> ParameterSpace:
        """The workflow's parameter bounds (and constraints) as a backtest search space.

        Only numeric parameters are searchable by the backtest optimiser; ``str`` and
        ``bool`` parameters keep their values."""
        params: list[IntParam | FloatParam | ChoiceParam] = []
        for r in optimisation_space(self.spec, names):
            if r.kind == "int":
                assert r.minimum is not None
                assert r.maximum is not None
                step = max(1, round(r.step)) if r.step is not None else 1
                params.append(IntParam(r.name, round(r.minimum), round(r.maximum), step))
            elif r.kind == "float":
                assert r.minimum is not None
                assert r.maximum is not None
                params.append(FloatParam(r.name, r.minimum, r.maximum, r.step))
        if not params:
            raise ValidationError(
                f"Workflow {self.name!r} has no numeric parameter with bounds to optimise.",
                hint="Give a parameter minimum and maximum (and a step for floats).",
            )
        searched = {p.name for p in params}
        constraints = tuple(
            Constraint.parse(text)
            for text in self.spec.constraints
            if all(name in searched for name in _names_in(text))
        )
        return ParameterSpace(tuple(params), constraints)

    def plan(self, params: Mapping[str, object] | None = None) -> BatchPlan:
        """The batch plan with ``params`` (resolved once per distinct parameter set)."""
        key = tuple(sorted((params or {}).items()))
        with self._lock:
            found = self._plans.get(key)
        if found is None:
            found = BatchPlan(resolve(self.spec, strategy=self.strategy_params, overrides=params))
            with self._lock:
                self._plans[key] = found
        return found

    def bars_for(self, market: MarketData) -> Bars:
        """The base bars of ``market`` (first instrument), volume from ``volume_frame``."""
        with self._lock:
            found = self._bars.get(id(market))
        if found is not None and found[0] is market:
            return found[1]
        times = np.asarray(market.index_ns, dtype=np.int64)
        bars = Bars(
            self.timeframe,
            times,
            np.ascontiguousarray(market.open[:, 0]),
            np.ascontiguousarray(market.high[:, 0]),
            np.ascontiguousarray(market.low[:, 0]),
            np.ascontiguousarray(market.close[:, 0]),
            self._volume(times),
        )
        with self._lock:
            self._bars[id(market)] = (market, bars)
        return bars

    def _volume(self, times: IntArray) -> FloatArray:
        out = np.zeros(len(times))
        frame = self.volume_frame
        if frame is None or "volume" not in frame.columns or not len(frame):
            return out
        known = times_ns(frame)
        if len(known) == len(times) and np.array_equal(known, times):
            return np.ascontiguousarray(frame["volume"].to_numpy(dtype=np.float64))
        pos = np.clip(np.searchsorted(known, times), 0, len(known) - 1)
        hit = known[pos] == times
        out[hit] = frame["volume"].to_numpy(dtype=np.float64)[pos[hit]]
        return out

    def intents(self, market: MarketData, params: Mapping[str, object] | None = None) -> Intents:
        """The backtest intents of the workflow with ``params`` on ``market``."""
        if market.instruments != 1:
            raise ValidationError(
                f"Workflow {self.name!r} trades one instrument, the market has "
                f"{market.instruments}.",
                hint="Backtest each symbol separately.",
            )
        result = self.plan(params).run(
            self.bars_for(market), llm=self.llm, symbol=self.symbol, cache=self._cache
        )
        return Intents(**result.intents().as_kwargs())

    def builder(
        self, market: MarketData, params: Mapping[str, float], cache: IndicatorCache | None = None
    ) -> Intents:
        """The backtest engine's ``StrategyBuilder`` signature (``cache`` is unused:
        the workflow shares its own node outputs)."""
        del cache
        return self.intents(market, params)


def _names_in(text: str) -> list[str]:
    return [token for token in text.replace("*", " ").split() if token.isidentifier()]


def workflow_strategy(
    source: str | Path | WorkflowSpec,
    *,
    timeframe: Timeframe | str | None = None,
    symbol: str | None = None,
    strategy_params: Mapping[str, object] | None = None,
    volume_frame: pd.DataFrame | None = None,
    llm: CachedLLM | None = None,
) -> WorkflowStrategy:
    """A workflow (file, template name or spec) bound for backtesting.

    ``timeframe`` rebinds the base input (the data's timeframe); ``symbol`` fills the
    ``{symbol}`` placeholder; ``strategy_params`` sit between the workflow defaults and
    per-run parameters; ``volume_frame`` supplies volume (MarketData has none)."""
    if isinstance(source, WorkflowSpec):
        spec, origin = source, f"workflow {source.metadata.id}"
    else:
        loaded = resolve_source(source)
        spec, origin = loaded.spec, loaded.origin
    spec = bind_inputs(spec, symbol=symbol, timeframe=timeframe)
    resolve(spec, strategy=strategy_params)  # fail early, with every problem listed
    return WorkflowStrategy(
        spec=spec,
        origin=origin,
        timeframe=Timeframe.parse(spec.inputs[0].timeframe),
        symbol=symbol or DEFAULT_SYMBOL,
        strategy_params=dict(strategy_params or {}),
        volume_frame=volume_frame,
        llm=llm if llm is not None else default_llm(),
    )


def backtest_workflow(
    source: str | Path | WorkflowSpec,
    frame: pd.DataFrame,
    *,
    timeframe: Timeframe | str,
    params: Mapping[str, object] | None = None,
    config: BacktestConfig | None = None,
    symbol: str | None = None,
) -> BacktestResult:
    """Backtest a workflow on an OHLCV frame of ``timeframe`` bars."""
    strategy = workflow_strategy(source, timeframe=timeframe, symbol=symbol, volume_frame=frame)
    market = MarketData.from_frame(frame, symbol or DEFAULT_SYMBOL)
    return run_backtest(market, strategy.intents(market, params), config)


__all__ = [
    "CheckResult",
    "WorkflowOverview",
    "WorkflowSource",
    "WorkflowStrategy",
    "backtest_workflow",
    "check_source",
    "create_from_template",
    "describe_source",
    "is_workflow_reference",
    "resolve_source",
    "templates",
    "workflow_strategy",
]
