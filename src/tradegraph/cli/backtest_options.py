"""Shared options of `tradegraph backtest | optimize | walkforward` (typed ``Annotated``
aliases, so the three commands spell each option once) and the small builders that turn
parsed options into the values the services take."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final

import typer

from tradegraph.backtest import BacktestConfig, Direction, FillMode
from tradegraph.backtest.optimize import OptimizeSettings, SearchMethod
from tradegraph.data.catalog import Catalog
from tradegraph.model.timeframe import Timeframe
from tradegraph.risk.stops import StopPolicy, TrailingKind
from tradegraph.services import backtest as service
from tradegraph.services.backtest import DataRequest, MarketFrame
from tradegraph.settings import get_settings

_DATA: Final = "Market data"
_COSTS: Final = "Simulation"
_SEARCH: Final = "Search"
_STOPS: Final = "Risk-engine stops"


class DirectionName(StrEnum):
    long = "long"
    short = "short"
    both = "both"
    reverse = "reverse"


class FillName(StrEnum):
    next_open = "next_open"
    close = "close"


# -- shared options ---------------------------------------------------------------------

StrategyArg = Annotated[
    str,
    typer.Argument(
        help="Workflow template (e.g. sma_cross, ema_rsi_mtf) or workflow file (.yaml/.json)."
    ),
]
SymbolOpt = Annotated[
    str | None,
    typer.Option(
        "--symbol", "-s", help="Catalog symbol (SYNTH = synthetic data).", rich_help_panel=_DATA
    ),
]
TimeframeOpt = Annotated[
    str | None,
    typer.Option(
        "--timeframe", "-t", help="Bar timeframe, e.g. 1h (synthetic: 1h).", rich_help_panel=_DATA
    ),
]
VenueOpt = Annotated[
    str | None,
    typer.Option("--venue", help="Catalog venue, when several have it.", rich_help_panel=_DATA),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="CSV or Parquet bar file instead of the catalog.", rich_help_panel=_DATA
    ),
]
SyntheticOpt = Annotated[
    bool,
    typer.Option("--synthetic", help="Use the embedded synthetic market.", rich_help_panel=_DATA),
]
BarsOpt = Annotated[
    int,
    typer.Option("--bars", min=2, help="Synthetic bars to generate.", rich_help_panel=_DATA),
]
DataSeedOpt = Annotated[
    int, typer.Option("--data-seed", help="Synthetic data seed.", rich_help_panel=_DATA)
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Strategy parameter NAME=VALUE (repeat the option)."),
]
CashOpt = Annotated[float, typer.Option("--cash", help="Starting cash.", rich_help_panel=_COSTS)]
CommissionOpt = Annotated[
    float,
    typer.Option(
        "--commission",
        help="Commission per fill, a fraction: 0.002 = 0.2%.",
        rich_help_panel=_COSTS,
    ),
]
SlippageOpt = Annotated[
    float,
    typer.Option(
        "--slippage-bps", help="Slippage of market fills, basis points.", rich_help_panel=_COSTS
    ),
]
DirectionOpt = Annotated[
    DirectionName,
    typer.Option(
        "--direction",
        help="long / short only, both sides, or reverse (always in the market).",
        rich_help_panel=_COSTS,
    ),
]
FillOpt = Annotated[
    FillName,
    typer.Option(
        "--fill",
        help="Fill signals at the next open or at the signal bar's close.",
        rich_help_panel=_COSTS,
    ),
]
AtrStopOpt = Annotated[
    float | None,
    typer.Option(
        "--atr-stop",
        help="Initial stop this many ATRs from the entry (turns on risk-engine stops).",
        rich_help_panel=_STOPS,
    ),
]
StopAtrPeriodOpt = Annotated[
    int,
    typer.Option(
        "--stop-atr-period",
        min=1,
        help="ATR period of the risk-engine stops.",
        rich_help_panel=_STOPS,
    ),
]
BreakevenOpt = Annotated[
    float | None,
    typer.Option(
        "--breakeven-r",
        help="Move the stop to the entry once the trade is this many R in profit.",
        rich_help_panel=_STOPS,
    ),
]
TrailOpt = Annotated[
    TrailingKind,
    typer.Option(
        "--trail",
        help="Trailing stop: none, atr (ATRs behind the best price), percent, or chandelier "
        "(ATRs behind the lookback's extreme).",
        rich_help_panel=_STOPS,
    ),
]
TrailMultipleOpt = Annotated[
    float,
    typer.Option(
        "--trail-multiple", help="ATRs behind for --trail atr/chandelier.", rich_help_panel=_STOPS
    ),
]
TrailFractionOpt = Annotated[
    float,
    typer.Option(
        "--trail-fraction",
        help="Fraction behind the best price for --trail percent: 0.05 = 5%.",
        rich_help_panel=_STOPS,
    ),
]
ChandelierOpt = Annotated[
    int,
    typer.Option(
        "--chandelier-period",
        min=1,
        help="Lookback of --trail chandelier.",
        rich_help_panel=_STOPS,
    ),
]
TimeStopOpt = Annotated[
    int | None,
    typer.Option(
        "--time-stop-bars",
        min=1,
        help="Exit a trade after this many bars (at the next fill, like an exit signal).",
        rich_help_panel=_STOPS,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
RangeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="Search range NAME=LOW:HIGH[:STEP], NAME=A,B,C or NAME=VALUE (repeat).",
        rich_help_panel=_SEARCH,
    ),
]
ConstraintOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--constraint",
        "-c",
        help="Constraint such as 'fast<slow' (repeat).",
        rich_help_panel=_SEARCH,
    ),
]
MethodOpt = Annotated[
    SearchMethod,
    typer.Option(
        "--method",
        help="grid, random, or optuna (TPE; needs the optuna extra).",
        rich_help_panel=_SEARCH,
    ),
]
TrialsOpt = Annotated[
    int | None,
    typer.Option(
        "--trials",
        min=1,
        help="Points for random/optuna search (default 100).",
        rich_help_panel=_SEARCH,
    ),
]
ObjectiveOpt = Annotated[
    str,
    typer.Option(
        "--objective",
        help="Metric to optimise: sharpe, sortino, return, cagr, calmar, sqn, profit_factor, "
        "win_rate, expectancy, max_drawdown (minimised), ...",
        rich_help_panel=_SEARCH,
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Search seed.", rich_help_panel=_SEARCH)]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Threads (default: all cores).", rich_help_panel=_SEARCH),
]
MinTradesOpt = Annotated[
    int,
    typer.Option(
        "--min-trades",
        min=0,
        help="Rank points with fewer closed trades last.",
        rich_help_panel=_SEARCH,
    ),
]


def build_config(  # noqa: PLR0917 - the parsed options, in option order
    cash: float,
    commission: float,
    slippage_bps: float,
    direction: DirectionName,
    fill: FillName,
    stop_policy: StopPolicy | None = None,
) -> BacktestConfig:
    return BacktestConfig(
        cash=cash,
        commission_pct=commission,
        slippage_bps=slippage_bps,
        direction=Direction[direction.value.upper()],
        fill=FillMode[fill.value.upper()],
        stop_policy=stop_policy,
    )


def build_stop_policy(
    *,
    atr_stop: float | None,
    atr_period: int,
    breakeven_r: float | None,
    trail: TrailingKind,
    trail_multiple: float,
    trail_fraction: float,
    chandelier_period: int,
    time_stop_bars: int | None,
) -> StopPolicy | None:
    """The risk-engine stop policy the options ask for; None when no stop option is given
    (``--atr-stop`` defaults to 2 ATRs once any other stop option turns the policy on;
    breakeven stays off unless ``--breakeven-r`` is given)."""
    wanted = (
        atr_stop is not None
        or breakeven_r is not None
        or trail is not TrailingKind.NONE
        or time_stop_bars is not None
    )
    if not wanted:
        return None
    return StopPolicy(
        atr_multiple=2.0 if atr_stop is None else atr_stop,
        atr_period=atr_period,
        breakeven_r=breakeven_r,
        trailing=trail,
        trail_multiple=trail_multiple,
        trail_fraction=trail_fraction,
        chandelier_period=chandelier_period,
        max_bars=time_stop_bars,
    )


def load_frame(
    *,
    symbol: str | None,
    timeframe: str | None,
    venue: str | None,
    data: Path | None,
    synthetic: bool,
    bars: int,
    data_seed: int,
) -> MarketFrame:
    request = DataRequest(
        symbol=symbol,
        timeframe=Timeframe.parse(timeframe) if timeframe else None,
        venue=venue,
        path=data,
        synthetic=synthetic,
        bars=bars,
        seed=data_seed,
    )
    return service.load_market_frame(request, catalog=Catalog(get_settings().catalog_dir))


def build_settings(
    *,
    method: SearchMethod,
    objective: str,
    trials: int | None,
    seed: int,
    workers: int | None,
    min_trades: int,
) -> OptimizeSettings:
    return OptimizeSettings(
        method=method,
        objective=objective,
        trials=trials,
        seed=seed,
        workers=workers or os.cpu_count() or 2,
        min_trades=min_trades,
    )


__all__ = [
    "AtrStopOpt",
    "BarsOpt",
    "BreakevenOpt",
    "CashOpt",
    "ChandelierOpt",
    "CommissionOpt",
    "ConstraintOpt",
    "DataOpt",
    "DataSeedOpt",
    "DirectionName",
    "DirectionOpt",
    "FillName",
    "FillOpt",
    "JsonOpt",
    "MethodOpt",
    "MinTradesOpt",
    "ObjectiveOpt",
    "ParamOpt",
    "RangeOpt",
    "SeedOpt",
    "SlippageOpt",
    "StopAtrPeriodOpt",
    "StrategyArg",
    "SymbolOpt",
    "SyntheticOpt",
    "TimeStopOpt",
    "TimeframeOpt",
    "TrailFractionOpt",
    "TrailMultipleOpt",
    "TrailOpt",
    "TrialsOpt",
    "VenueOpt",
    "WorkersOpt",
    "build_config",
    "build_settings",
    "build_stop_policy",
    "load_frame",
]
