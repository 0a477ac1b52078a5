"""`tradegraph data ...`: import, synthesize, download, list, check and resample bar series.

Thin: each command parses its arguments, calls one use case of
``tradegraph.services.market_data`` on the catalog under the configured data directory,
and renders the result with rich (long work shows a progress bar).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tradegraph.bootstrap.market_data import exchange_fetcher
from tradegraph.cli.console import console
from tradegraph.core.clock import LiveClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.catalog import Catalog, SeriesInfo
from tradegraph.data.keys import SeriesKey
from tradegraph.data.quality import QualityReport, Severity
from tradegraph.model.timeframe import Timeframe
from tradegraph.services import market_data
from tradegraph.services.market_data import Progress as ProgressEvent
from tradegraph.services.market_data import ProgressCallback
from tradegraph.settings import get_settings

app = typer.Typer(
    help="Market data: import, synthesize, download, list, check and resample bar series.",
    no_args_is_help=True,
)


def _catalog() -> Catalog:
    return Catalog(get_settings().catalog_dir)


def _date(text: str, option: str) -> datetime:
    try:
        stamp = pd.Timestamp(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date; use 2024-01-31 or 2024-01-31T12:00Z.", param_hint=option
        ) from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _timeframe(text: str, option: str) -> Timeframe:
    try:
        return Timeframe.parse(text)
    except ValidationError as exc:
        raise typer.BadParameter(f"{exc.message} {exc.hint}", param_hint=option) from exc


@contextmanager
def _progress(description: str) -> Iterator[ProgressCallback]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(event: ProgressEvent) -> None:
            bar.update(
                task,
                description=f"{description} [dim]{event.stage}[/]",
                completed=event.done,
                total=event.total,
            )

        yield update


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _render_report(report: QualityReport, title: str) -> None:
    span = f"{_when(report.start)} → {_when(report.end)}"
    if not report.issues:
        console.print(f"[green]✓ {title}[/]: {report.rows:,} bars, {span}, no issues found.")
        return
    table = Table(title=f"{title}: {report.rows:,} bars, {span}", title_justify="left")
    table.add_column("severity")
    table.add_column("check", style="cyan")
    table.add_column("count", justify="right")
    table.add_column("finding")
    table.add_column("first at")
    for issue in report.issues:
        colour = "red" if issue.severity is Severity.ERROR else "yellow"
        table.add_row(
            f"[{colour}]{issue.severity}[/]",
            str(issue.kind),
            f"{issue.count:,}",
            issue.message,
            "\n".join(_when(e) for e in issue.examples[:3]),
        )
    console.print(table)


def _render_info(info: SeriesInfo, prefix: str) -> None:
    console.print(
        f"{prefix} [bold]{info.key}[/]: {info.rows:,} bars, {_when(info.start)} → "
        f"{_when(info.end)} ({_size(info.size_bytes)}) in {info.path}",
        soft_wrap=True,
    )


@app.command("import")
def import_(
    *,
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file of bars.")],
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="Symbol, e.g. BTC/USDT or AAPL.")],
    timeframe: Annotated[
        str, typer.Option("--timeframe", "-t", help="Bar timeframe, e.g. 1m, 1h, 1d.")
    ],
    venue: Annotated[str, typer.Option("--venue", help="Catalog venue name.")] = "local",
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the series instead of merging.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse the file when the quality check finds errors.")
    ] = False,
) -> None:
    """Import a CSV/Parquet file (generic, TradingView, Binance layouts) into the catalog."""
    key = SeriesKey.of(venue, symbol, _timeframe(timeframe, "--timeframe"))
    with _progress(f"Importing {file.name}") as progress:
        result = market_data.import_file(
            file,
            catalog=_catalog(),
            key=key,
            clock=LiveClock(),
            replace=replace,
            strict=strict,
            progress=progress,
        )
    console.print(
        f"Read {result.rows_read:,} rows ([cyan]{result.layout}[/] layout) from {result.path}.",
        soft_wrap=True,
    )
    for note in result.notes:
        console.print(f"  [dim]note:[/] {note}")
    _render_report(result.report, f"Quality of {file.name}")
    if not result.written:
        console.print("[red]Not imported[/]: --strict and the quality check found errors.")
        raise typer.Exit(code=1)
    assert result.info is not None
    _render_info(result.info, f"[green]Stored[/] {result.added:,} new, {result.updated:,} updated;")


@app.command("synth")
def synth(
    *,
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="Symbol name for the series.")],
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe, e.g. 1m.")],
    bars: Annotated[int, typer.Option("--bars", "-n", min=1, help="Number of bars.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bars).")] = 0,
    venue: Annotated[str, typer.Option("--venue", help="Catalog venue name.")] = "synthetic",
    start: Annotated[
        str | None, typer.Option("--start", help="First bar time (default 2020-01-01).")
    ] = None,
) -> None:
    """Generate a deterministic synthetic series (regimes, volatility clusters, gaps)."""
    key = SeriesKey.of(venue, symbol, _timeframe(timeframe, "--timeframe"))
    first = _date(start, "--start") if start else None
    with _progress(f"Synthesizing {bars:,} {key.timeframe} bars") as progress:
        result = market_data.synthesize(
            catalog=_catalog(),
            key=key,
            bars=bars,
            seed=seed,
            clock=LiveClock(),
            start=first,
            progress=progress,
        )
    _render_info(result.info, "[green]Stored[/]")
    if not result.report.ok:
        _render_report(result.report, "Quality")


@app.command("download")
def download(
    *,
    exchange: Annotated[
        str, typer.Option("--exchange", "-e", help="ccxt exchange id, e.g. binance.")
    ],
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="Unified symbol, e.g. BTC/USDT.")],
    timeframe: Annotated[str, typer.Option("--timeframe", "-t", help="Bar timeframe, e.g. 1h.")],
    since: Annotated[str, typer.Option("--since", help="First bar date, e.g. 2024-01-01.")],
    until: Annotated[
        str | None, typer.Option("--until", help="Stop before this date (default now).")
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url", help="Send requests to this base URL (a proxy or local test venue)."
        ),
    ] = None,
) -> None:
    """Download bars through ccxt; re-running resumes after the last stored bar."""
    tf = _timeframe(timeframe, "--timeframe")
    fetcher = exchange_fetcher(exchange, api_base_url=api_url)
    with _progress(f"Downloading {symbol} {tf} from {exchange}") as progress:
        result = market_data.download(
            fetcher,
            catalog=_catalog(),
            symbol=symbol,
            timeframe=tf,
            since=_date(since, "--since"),
            until=_date(until, "--until") if until else None,
            clock=LiveClock(),
            progress=progress,
        )
    if result.resumed_from is not None:
        console.print(f"Resumed after the stored bars, from {_when(result.resumed_from)}.")
    console.print(
        f"{result.added:,} new and {result.updated:,} updated bars in "
        f"{result.requests_pages:,} pages ({result.retries} retries)."
    )
    if result.info is not None:
        _render_info(result.info, "[green]Stored[/]")


@app.command("list")
def list_() -> None:
    """List the series in the catalog."""
    catalog = _catalog()
    infos = market_data.list_series(catalog)
    if not infos:
        console.print(
            f"The catalog at {catalog.root} is empty. Try `tradegraph data synth --symbol DEMO "
            "--timeframe 1h --bars 10000`."
        )
        return
    table = Table(title=f"Catalog {catalog.root}", title_justify="left")
    for column in ("venue", "symbol", "timeframe"):
        table.add_column(column, style="cyan")
    table.add_column("bars", justify="right")
    table.add_column("first")
    table.add_column("last")
    table.add_column("size", justify="right")
    for info in infos:
        table.add_row(
            info.key.venue,
            info.key.symbol,
            info.key.timeframe.code,
            f"{info.rows:,}",
            _when(info.start),
            _when(info.end),
            _size(info.size_bytes),
        )
    console.print(table)


@app.command("check")
def check(
    *,
    symbol: Annotated[str, typer.Argument(help="Symbol of a stored series.")],
    timeframe: Annotated[str, typer.Argument(help="Its timeframe.")],
    venue: Annotated[
        str | None, typer.Option("--venue", help="Needed when several venues have it.")
    ] = None,
) -> None:
    """Print the quality report of a stored series (exit 1 when it has errors)."""
    catalog = _catalog()
    key = catalog.find(symbol, _timeframe(timeframe, "TIMEFRAME"), venue)
    report = market_data.check(catalog=catalog, key=key, clock=LiveClock())
    _render_report(report, f"Quality of {key}")
    if not report.ok:
        raise typer.Exit(code=1)


@app.command("resample")
def resample(
    *,
    symbol: Annotated[str, typer.Argument(help="Symbol of a stored series.")],
    from_: Annotated[str, typer.Option("--from", help="Timeframe of the stored series, e.g. 1m.")],
    to: Annotated[
        list[str], typer.Option("--to", help="Target timeframe(s): --to 1h --to 1d or 1h,1d.")
    ],
    venue: Annotated[
        str | None, typer.Option("--venue", help="Needed when several venues have it.")
    ] = None,
    include_incomplete: Annotated[
        bool, typer.Option("--include-incomplete", help="Also store an incomplete trailing bar.")
    ] = False,
) -> None:
    """Aggregate a stored series into higher timeframes and store them."""
    catalog = _catalog()
    source = catalog.find(symbol, _timeframe(from_, "--from"), venue)
    targets = [_timeframe(code, "--to") for item in to for code in item.split(",") if code.strip()]
    with _progress(f"Resampling {source}") as progress:
        results = market_data.resample(
            catalog=catalog,
            source=source,
            targets=targets,
            include_incomplete=include_incomplete,
            progress=progress,
        )
    for result in results:
        _render_info(result.info, "[green]Stored[/]")
        if result.incomplete_dropped:
            console.print(
                f"  [dim]the last {result.key.timeframe} period is not complete yet; "
                "its bar was left out (--include-incomplete keeps it)[/]"
            )


__all__ = ["app"]
