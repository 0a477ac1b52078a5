"""`tradegraph backtest | optimize | walkforward`: test a built-in strategy on market data.

Thin: each command parses its options, loads the bars and calls one use case of
``tradegraph.services.backtest``, then renders the result with rich (or prints one JSON
object with ``--json``). The three commands are top-level; ``register(app)`` adds them.

Market data (the same options for all three commands), one of:

* ``--data FILE.csv`` (or .parquet): a bar file in any layout the importer knows;
* ``--symbol S --timeframe TF [--venue V]``: a series from the catalog;
* ``--synthetic [--timeframe TF] [--bars N] [--data-seed K]``: the embedded synthetic
  market, generated on the fly (deterministic; nothing is stored). ``--symbol SYNTH``
  does the same when the catalog holds no SYNTH series.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Final

import pandas as pd
import typer
from rich import box
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tradegraph.backtest.optimize import SearchMethod, maximises
from tradegraph.backtest.report import stat_rows
from tradegraph.backtest.space import ParameterSpace, parse_values
from tradegraph.backtest.walkforward import WalkForwardConfig
from tradegraph.cli.backtest_options import (
    AtrStopOpt,
    BarsOpt,
    BreakevenOpt,
    CashOpt,
    ChandelierOpt,
    CommissionOpt,
    ConstraintOpt,
    DataOpt,
    DataSeedOpt,
    DirectionName,
    DirectionOpt,
    FillName,
    FillOpt,
    JsonOpt,
    MethodOpt,
    MinTradesOpt,
    ObjectiveOpt,
    ParamOpt,
    RangeOpt,
    SeedOpt,
    SlippageOpt,
    StopAtrPeriodOpt,
    StrategyArg,
    SymbolOpt,
    SyntheticOpt,
    TimeframeOpt,
    TimeStopOpt,
    TrailFractionOpt,
    TrailMultipleOpt,
    TrailOpt,
    TrialsOpt,
    VenueOpt,
    WorkersOpt,
    build_config,
    build_settings,
    build_stop_policy,
    load_frame,
)
from tradegraph.cli.console import console
from tradegraph.risk.stops import StopPolicy, TrailingKind
from tradegraph.services import backtest as service
from tradegraph.services.backtest import MarketFrame

_HEATMAP_MAX_COLUMNS: Final = 24


@contextmanager
def _progress(description: str, *, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    if not enabled:
        yield lambda _done, _total: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return _json_safe(value.item())
    return value


def _policy_json(policy: StopPolicy | None) -> dict[str, object] | None:
    if policy is None:
        return None
    values = {f.name: getattr(policy, f.name) for f in fields(policy)}
    return {**values, "trailing": policy.trailing.value}


def _print_json(payload: Mapping[str, object]) -> None:
    typer.echo(json.dumps(_json_safe(payload), allow_nan=False))


def _stats_table(title: str, summary: Mapping[str, float | int]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("statistic", style="cyan")
    table.add_column("value", justify="right")
    for label, value in stat_rows(summary):
        table.add_row(label, value)
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.3f}"
    return str(value)


def _frame_table(title: str, frame: pd.DataFrame) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for row in frame.itertuples(index=False, name=None):
        table.add_row(*(_cell(v) for v in row))
    return table


def _report_line(path: Path | None, what: str) -> None:
    if path is not None:
        console.print(f"[green]{what} written to[/] {path}", soft_wrap=True)


def _source_line(data: MarketFrame) -> str:
    timeframe = f" {data.timeframe}" if data.timeframe else ""
    return f"{data.symbol}{timeframe} · {len(data.frame):,} bars · {data.source}"


# -- commands ---------------------------------------------------------------------------


def backtest(
    *,
    strategy: StrategyArg,
    symbol: SymbolOpt = None,
    timeframe: TimeframeOpt = None,
    venue: VenueOpt = None,
    data: DataOpt = None,
    synthetic: SyntheticOpt = False,
    bars: BarsOpt = service.DEFAULT_SYNTHETIC_BARS,
    data_seed: DataSeedOpt = 0,
    param: ParamOpt = None,
    cash: CashOpt = 10_000.0,
    commission: CommissionOpt = 0.0,
    slippage_bps: SlippageOpt = 0.0,
    direction: DirectionOpt = DirectionName.long,
    fill: FillOpt = FillName.next_open,
    atr_stop: AtrStopOpt = None,
    stop_atr_period: StopAtrPeriodOpt = 14,
    breakeven_r: BreakevenOpt = None,
    trail: TrailOpt = TrailingKind.NONE,
    trail_multiple: TrailMultipleOpt = 3.0,
    trail_fraction: TrailFractionOpt = 0.05,
    chandelier_period: ChandelierOpt = 22,
    time_stop_bars: TimeStopOpt = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Backtest a strategy once and print its statistics (optionally an HTML report).

    Data: --data FILE.csv, or --symbol S --timeframe TF from the catalog, or --synthetic
    (generated, nothing stored; --symbol SYNTH falls back to it when the catalog lacks it).

    Risk-engine stops (--atr-stop, --breakeven-r, --trail, --time-stop-bars) move each
    position's stop exactly as a live session would.

    Example: tradegraph backtest sma_cross --synthetic --param fast=10 --param slow=50 --commission 0.001 --report report.html

    Example: tradegraph backtest sma_cross --synthetic --atr-stop 2 --breakeven-r 1 --trail chandelier --time-stop-bars 50
    """
    stop_policy = build_stop_policy(
        atr_stop=atr_stop,
        atr_period=stop_atr_period,
        breakeven_r=breakeven_r,
        trail=trail,
        trail_multiple=trail_multiple,
        trail_fraction=trail_fraction,
        chandelier_period=chandelier_period,
        time_stop_bars=time_stop_bars,
    )
    params = parse_values(param or [])
    frame = load_frame(
        symbol=symbol,
        timeframe=timeframe,
        venue=venue,
        data=data,
        synthetic=synthetic,
        bars=bars,
        data_seed=data_seed,
    )
    job = service.run_backtest_job(
        frame,
        strategy=strategy,
        params=params,
        config=build_config(cash, commission, slippage_bps, direction, fill, stop_policy),
        report=report,
    )
    if as_json:
        _print_json(
            {
                **job.summary(),
                "stop_policy": _policy_json(stop_policy),
                "strategy": strategy,
                "params": job.params,
                "symbol": frame.symbol,
                "timeframe": str(frame.timeframe) if frame.timeframe else None,
                "report": str(job.report_path) if job.report_path else None,
            }
        )
        return
    params_text = ", ".join(f"{k}={v}" for k, v in job.params.items())
    console.print(f"[bold]{strategy}[/]({params_text}) on {_source_line(frame)}", soft_wrap=True)
    console.print(_stats_table("Backtest statistics", job.summary()))
    _report_line(job.report_path, "Report")


def optimize(
    *,
    strategy: StrategyArg,
    symbol: SymbolOpt = None,
    timeframe: TimeframeOpt = None,
    venue: VenueOpt = None,
    data: DataOpt = None,
    synthetic: SyntheticOpt = False,
    bars: BarsOpt = service.DEFAULT_SYNTHETIC_BARS,
    data_seed: DataSeedOpt = 0,
    param: RangeOpt = None,
    constraint: ConstraintOpt = None,
    method: MethodOpt = SearchMethod.GRID,
    trials: TrialsOpt = None,
    objective: ObjectiveOpt = "sharpe",
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    min_trades: MinTradesOpt = 0,
    cash: CashOpt = 10_000.0,
    commission: CommissionOpt = 0.0,
    slippage_bps: SlippageOpt = 0.0,
    direction: DirectionOpt = DirectionName.long,
    fill: FillOpt = FillName.next_open,
    heatmap: Annotated[
        Path | None,
        typer.Option("--heatmap", help="Write the HTML heatmap and ranking page here."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows of the ranking to print.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Search strategy parameters (grid, random or Optuna TPE) for the best objective.

    Ranges: NAME=LOW:HIGH[:STEP], NAME=A,B,C or NAME=VALUE; constraints are linear
    comparisons such as "fast<slow" or "2*fast<=slow". Data options as for backtest.

    Example: tradegraph optimize sma_cross --synthetic --param fast=5:50:5 --param slow=10:200:10 --constraint "fast<slow" --objective sharpe --heatmap heat.html
    """
    # no --param: a workflow searches its own parameter bounds
    space = ParameterSpace.parse(param, constraint or []) if param else None
    settings = build_settings(
        method=method,
        objective=objective,
        trials=trials,
        seed=seed,
        workers=workers,
        min_trades=min_trades,
    )
    frame = load_frame(
        symbol=symbol,
        timeframe=timeframe,
        venue=venue,
        data=data,
        synthetic=synthetic,
        bars=bars,
        data_seed=data_seed,
    )
    with _progress(f"Optimising {strategy} ({method})", enabled=not as_json) as progress:
        job = service.optimize_job(
            frame,
            strategy=strategy,
            space=space,
            config=build_config(cash, commission, slippage_bps, direction, fill),
            settings=settings,
            report=heatmap,
            progress=progress,
        )
    result = job.result
    if as_json:
        _print_json(
            {
                "method": str(result.method),
                "objective": result.objective,
                "evaluations": result.evaluations,
                "best_params": result.best_params,
                "best": {str(k): v for k, v in result.best.items()},
                "elapsed_s": result.elapsed_s,
                "heatmap": str(job.report_path) if job.report_path else None,
            }
        )
        return
    console.print(f"[bold]{strategy}[/] on {_source_line(frame)}", soft_wrap=True)
    metric = result.objective
    names = list(result.space.varying) or list(result.space.names)
    shown = [
        *names,
        metric,
        *(c for c in ("total_return", "max_drawdown", "trades") if c != metric),
    ]
    console.print(
        _frame_table(
            f"Top {min(top, result.evaluations)} of {result.evaluations:,} "
            f"({result.method}, {result.elapsed_s:.2f} s)",
            result.ranked().head(top)[shown],
        )
    )
    if len(result.space.varying) >= 2:
        _print_heatmap(result.heatmap(), metric, dense=result.method is SearchMethod.GRID)
    best = ", ".join(f"{k}={v}" for k, v in result.best_params.items())
    console.print(f"Best {metric} = {_cell(result.best_score)} at [bold]{best}[/]")
    _report_line(job.report_path, "Heatmap")


def _print_heatmap(grid: pd.DataFrame, metric: str, *, dense: bool) -> None:
    """A coloured terminal heatmap of a grid search (skipped when it would not fit)."""
    if not dense or grid.shape[1] > _HEATMAP_MAX_COLUMNS:
        return
    if console.width < 8 * (grid.shape[1] + 1):
        console.print("[dim]The heatmap does not fit this terminal; see --heatmap FILE.html.[/]")
        return
    values = grid.to_numpy(dtype=float)
    finite = values[~pd.isna(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    better_high = maximises(metric)
    table = Table(
        title=f"{metric}: rows {grid.index.name}, columns {grid.columns.name}",
        box=box.SIMPLE,
        pad_edge=False,
    )
    table.add_column(str(grid.index.name), style="cyan", justify="right")
    for column in grid.columns:
        table.add_column(str(column), justify="right", min_width=5, no_wrap=True)
    for label, row in zip(grid.index, values, strict=True):
        cells = []
        for value in row:
            if math.isnan(value):
                cells.append("[dim]·[/]")
                continue
            rank = (value - low) / (high - low) if high > low else 0.5
            rank = rank if better_high else 1 - rank
            colour = "green" if rank >= 2 / 3 else "yellow" if rank >= 1 / 3 else "red"
            cells.append(f"[{colour}]{value:.2f}[/]")
        table.add_row(str(label), *cells)
    console.print(table)


def walkforward(
    *,
    strategy: StrategyArg,
    train: Annotated[int, typer.Option("--train", min=2, help="Bars per training window.")],
    test: Annotated[int, typer.Option("--test", min=2, help="Bars per test window.")],
    anchored: Annotated[
        bool, typer.Option("--anchored", help="Expanding train windows from the first bar.")
    ] = False,
    symbol: SymbolOpt = None,
    timeframe: TimeframeOpt = None,
    venue: VenueOpt = None,
    data: DataOpt = None,
    synthetic: SyntheticOpt = False,
    bars: BarsOpt = service.DEFAULT_SYNTHETIC_BARS,
    data_seed: DataSeedOpt = 0,
    param: RangeOpt = None,
    constraint: ConstraintOpt = None,
    method: MethodOpt = SearchMethod.GRID,
    trials: TrialsOpt = None,
    objective: ObjectiveOpt = "sharpe",
    seed: SeedOpt = 0,
    workers: WorkersOpt = None,
    min_trades: MinTradesOpt = 0,
    cash: CashOpt = 10_000.0,
    commission: CommissionOpt = 0.0,
    slippage_bps: SlippageOpt = 0.0,
    direction: DirectionOpt = DirectionName.long,
    fill: FillOpt = FillName.next_open,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML walk-forward report here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Walk-forward optimisation: optimise on each train window, trade the winner on the
    next test window (starting from the previous window's equity), and stitch the
    out-of-sample results. Rolling windows by default; --anchored expands them from the
    first bar. Data and search options as for optimize.

    Example: tradegraph walkforward sma_cross --synthetic --bars 20000 --train 5000 --test 1000 --param fast=5:50:5 --param slow=10:200:10 --constraint "fast<slow"
    """
    # no --param: a workflow searches its own parameter bounds
    space = ParameterSpace.parse(param, constraint or []) if param else None
    settings = build_settings(
        method=method,
        objective=objective,
        trials=trials,
        seed=seed,
        workers=workers,
        min_trades=min_trades,
    )
    windows = WalkForwardConfig(train=train, test=test, anchored=anchored)
    frame = load_frame(
        symbol=symbol,
        timeframe=timeframe,
        venue=venue,
        data=data,
        synthetic=synthetic,
        bars=bars,
        data_seed=data_seed,
    )
    with _progress(f"Walk-forward {strategy}", enabled=not as_json) as progress:
        job = service.walkforward_job(
            frame,
            strategy=strategy,
            space=space,
            config=build_config(cash, commission, slippage_bps, direction, fill),
            walkforward=windows,
            settings=settings,
            report=report,
            progress=progress,
        )
    result = job.result
    table = result.window_table()
    if as_json:
        _print_json(
            {
                **result.summary(),
                "objective": result.objective,
                "windows_detail": table.to_dict(orient="records"),
                "report": str(job.report_path) if job.report_path else None,
            }
        )
        return
    console.print(f"[bold]{strategy}[/] on {_source_line(frame)}", soft_wrap=True)
    metric = result.objective
    columns = [
        "window",
        "test_start",
        *result.windows[0].params.keys(),
        f"is_{metric}",
        f"oos_{metric}",
        "oos_return",
        "oos_trades",
        "final_equity",
    ]
    shown = table[columns].assign(test_start=table["test_start"].astype(str).str[:16])
    console.print(_frame_table("Windows (is_: in sample, oos_: out of sample)", shown))
    console.print(_stats_table("Out-of-sample statistics", result.summary()))
    _report_line(job.report_path, "Report")


COMMANDS: Final[Sequence[tuple[str, Callable[..., None]]]] = (
    ("backtest", backtest),
    ("optimize", optimize),
    ("walkforward", walkforward),
)


def register(app: typer.Typer) -> None:
    """Add ``backtest``, ``optimize`` and ``walkforward`` as top-level commands."""
    for name, command in COMMANDS:
        app.command(name)(command)


__all__ = ["COMMANDS", "backtest", "optimize", "register", "walkforward"]
