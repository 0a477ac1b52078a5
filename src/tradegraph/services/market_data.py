"""Market-data use cases shared by the CLI and the API.

Each function takes what it works on explicitly (a ``Catalog``, a ``Clock``, a fetcher),
never settings, and returns a result value for the transport to render. Long work reports
``Progress`` through an optional callback.

- ``import_file``: read a CSV/Parquet file, check it, merge it into the catalog (all or
  nothing: a file that fails to parse leaves the catalog untouched).
- ``synthesize``: generate a deterministic synthetic series and store it.
- ``download``: fetch bars from a venue page by page, storing them as they arrive; a
  re-run resumes after the last stored bar (and back-fills when asked for earlier bars).
- ``check``: the quality report of a stored series.
- ``resample``: derive higher timeframes from a stored series (complete bars only unless
  asked otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from datetime import datetime
from pathlib import Path

import pandas as pd

from tradegraph.core.clock import Clock
from tradegraph.data.catalog import Catalog, SeriesInfo
from tradegraph.data.keys import SeriesKey
from tradegraph.data.quality import QualityConfig, QualityReport, check_quality
from tradegraph.data.resample import check_resample_pair, resample_ohlcv
from tradegraph.data.sources.download import Downloader, DownloadRequest, RetryPolicy
from tradegraph.data.sources.files import read_ohlcv_file
from tradegraph.data.sources.layouts import Layout
from tradegraph.data.sources.ports import OhlcvFetcher
from tradegraph.data.sources.synthetic import SyntheticConfig, generate_ohlcv
from tradegraph.model.timeframe import Timeframe


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress event: ``done`` of ``total`` units (bars or steps) in ``stage``."""

    stage: str
    done: int
    total: int | None = None


ProgressCallback = Callable[[Progress], None]


def _noop(_event: Progress) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ImportResult:
    key: SeriesKey
    path: Path
    layout: Layout
    rows_read: int
    duplicates_dropped: int
    notes: tuple[str, ...]
    report: QualityReport
    written: bool
    """False when ``strict`` refused the file because the report has errors."""
    added: int = 0
    updated: int = 0
    info: SeriesInfo | None = None


@dataclass(frozen=True, slots=True)
class SynthResult:
    key: SeriesKey
    info: SeriesInfo
    report: QualityReport


@dataclass(frozen=True, slots=True)
class DownloadResult:
    key: SeriesKey
    info: SeriesInfo | None
    """The stored series afterwards (None when nothing was ever stored)."""
    added: int
    updated: int
    requests_pages: int
    retries: int
    resumed_from: datetime | None
    """Where the download continued an existing series (None for a fresh one)."""


@dataclass(frozen=True, slots=True)
class ResampleResult:
    key: SeriesKey
    info: SeriesInfo
    bars: int
    incomplete_dropped: bool
    """True when the trailing bar was incomplete and therefore not stored."""


def import_file(
    path: Path | str,
    *,
    catalog: Catalog,
    key: SeriesKey,
    clock: Clock,
    replace: bool = False,
    strict: bool = False,
    quality: QualityConfig | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read ``path``, check it and merge it into ``key`` (or replace the series)."""
    report_progress = progress or _noop
    report_progress(Progress("read", 0, 3))
    imported = read_ohlcv_file(path, timeframe=key.timeframe)
    report_progress(Progress("check", 1, 3))
    report = check_quality(imported.frame, key.timeframe, clock=clock, config=quality)
    result = ImportResult(
        key=key,
        path=imported.path,
        layout=imported.layout,
        rows_read=imported.rows_read,
        duplicates_dropped=imported.duplicates_dropped,
        notes=imported.notes,
        report=report,
        written=False,
    )
    if strict and not report.ok:
        return result
    report_progress(Progress("write", 2, 3))
    if replace or not catalog.exists(key):
        info = catalog.write(key, imported.frame)
        added, updated = len(imported.frame), 0
    else:
        outcome = catalog.append(key, imported.frame)
        info, added, updated = outcome.info, outcome.added, outcome.updated
    report_progress(Progress("done", 3, 3))
    return replace_fields(result, written=True, added=added, updated=updated, info=info)


def synthesize(
    *,
    catalog: Catalog,
    key: SeriesKey,
    bars: int,
    seed: int,
    clock: Clock,
    start: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> SynthResult:
    """Generate ``bars`` synthetic bars (deterministic in ``seed``) and store them as ``key``."""
    report_progress = progress or _noop
    config = SyntheticConfig(timeframe=key.timeframe, bars=bars, seed=seed)
    if start is not None:
        config = replace_fields(config, start=start)
    report_progress(Progress("generate", 0, 3))
    frame = generate_ohlcv(config)
    report_progress(Progress("check", 1, 3))
    report = check_quality(frame, key.timeframe, clock=clock)
    report_progress(Progress("write", 2, 3))
    info = catalog.write(key, frame)
    report_progress(Progress("done", 3, 3))
    return SynthResult(key, info, report)


def download(
    fetcher: OhlcvFetcher,
    *,
    catalog: Catalog,
    symbol: str,
    timeframe: Timeframe,
    since: datetime,
    clock: Clock,
    until: datetime | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    checkpoint_bars: int = 50_000,
    progress: ProgressCallback | None = None,
) -> DownloadResult:
    """Download ``[since, until)`` into the catalog, resuming after what is stored."""
    key = SeriesKey.of(fetcher.venue, symbol, timeframe)
    report_progress = progress or _noop
    downloader = Downloader(fetcher, clock=clock, retry=retry, sleep=sleep)
    stored = catalog.describe(key) if catalog.exists(key) else None
    requests, resumed_from = _plan(key, since, until, stored)
    total = sum(downloader.expected_bars(r) for r in requests)
    counts = {"added": 0, "updated": 0, "pages": 0, "done": 0}
    buffer: list[pd.DataFrame] = []

    def flush() -> None:
        if buffer:
            outcome = catalog.append(key, pd.concat(buffer) if len(buffer) > 1 else buffer[0])
            buffer.clear()
            counts["added"] += outcome.added
            counts["updated"] += outcome.updated

    report_progress(Progress("download", 0, total))
    try:
        for request in requests:
            for page in downloader.pages(request):
                buffer.append(page)
                counts["pages"] += 1
                counts["done"] += len(page)
                report_progress(Progress("download", counts["done"], total))
                if sum(len(b) for b in buffer) >= checkpoint_bars:
                    flush()
    finally:
        flush()  # keep every bar that arrived, also when the download failed
    info = catalog.describe(key) if catalog.exists(key) else None
    return DownloadResult(
        key,
        info,
        counts["added"],
        counts["updated"],
        counts["pages"],
        downloader.retries,
        resumed_from,
    )


def _plan(
    key: SeriesKey, since: datetime, until: datetime | None, stored: SeriesInfo | None
) -> tuple[list[DownloadRequest], datetime | None]:
    tf = key.timeframe
    if stored is None or stored.start is None or stored.end_close is None:
        return [DownloadRequest(key.symbol, tf, since, until)], None
    requests = []
    if since < stored.start:
        end = stored.start if until is None else min(until, stored.start)
        if end > since:
            requests.append(DownloadRequest(key.symbol, tf, since, end))
    resume = max(since, stored.end_close)
    if until is None or resume < until:
        requests.append(DownloadRequest(key.symbol, tf, resume, until))
    return requests, (stored.end_close if resume == stored.end_close else None)


def check(
    *, catalog: Catalog, key: SeriesKey, clock: Clock, config: QualityConfig | None = None
) -> QualityReport:
    """The quality report of a stored series."""
    return check_quality(catalog.load(key), key.timeframe, clock=clock, config=config)


def resample(
    *,
    catalog: Catalog,
    source: SeriesKey,
    targets: Sequence[Timeframe],
    include_incomplete: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ResampleResult]:
    """Store ``source`` resampled into each of ``targets`` (replacing earlier derivations)."""
    report_progress = progress or _noop
    for target in targets:
        check_resample_pair(source.timeframe, target)
    frame = catalog.load(source)
    results = []
    for done, target in enumerate(targets):
        report_progress(Progress(f"resample {target}", done, len(targets)))
        resampled = resample_ohlcv(frame, source.timeframe, target)
        bars = resampled.bars if include_incomplete else resampled.complete_bars()
        key = SeriesKey(source.venue, source.symbol, target)
        info = catalog.write(key, bars)
        dropped = resampled.has_incomplete_tail and not include_incomplete
        results.append(ResampleResult(key, info, len(bars), dropped))
    report_progress(Progress("done", len(targets), len(targets)))
    return results


def list_series(catalog: Catalog) -> list[SeriesInfo]:
    """Every stored series."""
    return catalog.list()


__all__ = [
    "DownloadResult",
    "ImportResult",
    "Progress",
    "ProgressCallback",
    "ResampleResult",
    "SynthResult",
    "check",
    "download",
    "import_file",
    "list_series",
    "resample",
    "synthesize",
]
