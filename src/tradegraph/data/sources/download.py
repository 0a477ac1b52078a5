"""Paginated download of bars through an ``OhlcvFetcher``, with retries and backoff.

``Downloader.pages(request)`` walks forward from ``request.since`` one page at a time,
yielding contract frames of *closed* bars only (a bar still forming at the clock's "now"
is never returned, so the catalog only ever holds final values). Transient failures
(``VenueUnavailableError``, including ``RateLimitedError``) are retried with exponential
backoff; a rate-limit answer's ``Retry-After`` is honoured when it asks for longer.
When the retries run out the error is raised with the time to resume from; because the
caller stores pages as they arrive, running the same download again continues there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from tradegraph.core.clock import Clock
from tradegraph.core.errors import DataFormatError, ValidationError, VenueUnavailableError
from tradegraph.data.contract import empty_ohlcv, from_arrays, times_ns
from tradegraph.data.grid import floor_ns
from tradegraph.data.sources.ports import OhlcvFetcher, RateLimitedError, RawBar
from tradegraph.model.timeframe import Timeframe

_NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``initial_delay * multiplier**attempt``, capped at ``max_delay``."""

    max_attempts: int = 6
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.initial_delay < 0 or self.multiplier < 1:
            raise ValidationError(
                f"Invalid RetryPolicy {self!r}.",
                hint="max_attempts >= 1, initial_delay >= 0, multiplier >= 1.",
            )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        backoff = min(self.max_delay, self.initial_delay * self.multiplier**attempt)
        return max(backoff, retry_after or 0.0)


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    """Which bars to download: ``since <= open time < until`` (``until`` defaults to now)."""

    symbol: str
    timeframe: Timeframe
    since: datetime
    until: datetime | None = None
    page_size: int | None = None
    """Bars per request; the fetcher's maximum when ``None``."""

    def __post_init__(self) -> None:
        for bound in (self.since, self.until):
            if bound is not None and bound.tzinfo is None:
                raise ValidationError(
                    f"Download bound {bound!r} has no time zone.",
                    hint="Pass timezone-aware UTC datetimes.",
                )
        if self.until is not None and self.until <= self.since:
            raise ValidationError(
                f"Download range is empty: until {self.until} is not after since {self.since}.",
                hint="Pass an until later than since, or none.",
            )


def _ns(value: datetime) -> int:
    return int(pd.Timestamp(value).tz_convert("UTC").as_unit("ns").value)


def _page_frame(rows: list[RawBar], symbol: str) -> pd.DataFrame:
    if not rows:
        return empty_ohlcv()
    try:
        array = np.asarray([list(row[:6]) for row in rows], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(
            f"The venue sent malformed bars for {symbol} ({exc}).",
            hint="Report it; the venue's response format may have changed.",
        ) from exc
    if array.ndim != 2 or array.shape[1] < 6:
        raise DataFormatError(
            f"The venue sent bars for {symbol} with fewer than six fields.",
            hint="Report it; the venue's response format may have changed.",
        )
    times = array[:, 0].astype(np.int64) * _NS_PER_MS
    order = np.argsort(times, kind="stable")
    times, array = times[order], array[order]
    keep = np.concatenate(([True], times[1:] != times[:-1]))
    return from_arrays(times[keep], [array[keep, i] for i in range(1, 6)])


class Downloader:
    """Walks a fetcher forward page by page; see the module docstring."""

    def __init__(
        self,
        fetcher: OhlcvFetcher,
        *,
        clock: Clock,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fetcher = fetcher
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.retries = 0
        """Retries made so far (for reports)."""

    def expected_bars(self, request: DownloadRequest) -> int:
        """How many closed bars the range can hold at most (for progress bars)."""
        start, end = self._bounds(request)
        return max(0, (end - start) // request.timeframe.nanoseconds)

    def _bounds(self, request: DownloadRequest) -> tuple[int, int]:
        tf = request.timeframe
        since = _ns(request.since)
        start = int(floor_ns(np.asarray([since], dtype=np.int64), tf)[0])
        if start < since:
            start += tf.nanoseconds
        now = self.clock.timestamp_ns()
        end = now if request.until is None else min(now, _ns(request.until))
        return start, end

    def pages(self, request: DownloadRequest) -> Iterator[pd.DataFrame]:
        """Frames of closed bars in ``[since, until)``, oldest first, one per request."""
        tf = request.timeframe
        limit = min(request.page_size or self.fetcher.max_page_size, self.fetcher.max_page_size)
        cursor, end = self._bounds(request)
        while cursor < end:
            rows = self._fetch(request.symbol, tf, cursor, limit)
            page = _page_frame(rows, request.symbol)
            now = self.clock.timestamp_ns()
            ns = times_ns(page)
            wanted = (ns >= cursor) & (ns < end) & (ns + tf.nanoseconds <= now)
            if len(ns) == 0 or int(ns[-1]) < cursor:
                return  # the venue has nothing at or after the cursor
            if wanted.any():
                yield page[wanted]
            cursor = max(cursor, int(ns[-1]) + tf.nanoseconds)
            if not wanted.any() and int(ns[-1]) + tf.nanoseconds > now:
                return  # only the forming bar is left

    def _fetch(self, symbol: str, tf: Timeframe, cursor_ns: int, limit: int) -> list[RawBar]:
        attempt = 0
        while True:
            try:
                return self.fetcher.fetch_ohlcv(symbol, tf, cursor_ns // _NS_PER_MS, limit)
            except VenueUnavailableError as exc:
                if attempt + 1 >= self.retry.max_attempts:
                    resume = pd.Timestamp(cursor_ns, tz="UTC").isoformat()
                    raise VenueUnavailableError(
                        f"{self.fetcher.venue} did not answer the {symbol} {tf} request for "
                        f"bars from {resume} after {attempt + 1} attempts: {exc.message}",
                        hint="Bars before that time are kept; run the same download again "
                        "later and it resumes from there.",
                    ) from exc
                retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
                self.sleep(self.retry.delay(attempt, retry_after))
                attempt += 1
                self.retries += 1


class DownloadSource:
    """``OhlcvSource`` over a download: one frame per fetched page."""

    def __init__(self, downloader: Downloader, request: DownloadRequest) -> None:
        self.downloader = downloader
        self.request = request

    def frames(self) -> Iterator[pd.DataFrame]:
        return self.downloader.pages(self.request)


__all__ = ["DownloadRequest", "DownloadSource", "Downloader", "RetryPolicy"]
