"""Paginated download over the OhlcvFetcher port, with an in-memory venue."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import DataNotFoundError, ValidationError, VenueUnavailableError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.download import (
    Downloader,
    DownloadRequest,
    DownloadSource,
    RetryPolicy,
)
from tradegraph.data.sources.ports import OhlcvFetcher, RateLimitedError, RawBar
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.services.market_data import download

M1 = Timeframe.parse("1m")
START = datetime(2024, 1, 1, tzinfo=UTC)


class MemoryVenue:
    """An in-memory OhlcvFetcher: serves a frame, can fail on chosen calls."""

    def __init__(self, frame: pd.DataFrame, clock: TestClock, page: int = 100) -> None:
        self.frame = frame
        self.clock = clock
        self.page = page
        self.calls: list[int] = []
        self.failures: deque[Exception] = deque()
        self.fail_from_call: int | None = None

    @property
    def venue(self) -> str:
        return "memory"

    @property
    def max_page_size(self) -> int:
        return self.page

    def fetch_ohlcv(
        self, symbol: str, timeframe: Timeframe, since_ms: int, limit: int
    ) -> list[RawBar]:
        self.calls.append(since_ms)
        if self.fail_from_call is not None and len(self.calls) > self.fail_from_call:
            raise VenueUnavailableError("connection reset")
        if self.failures:
            raise self.failures.popleft()
        if symbol != "BTC/USDT":
            raise DataNotFoundError(f"no market {symbol}")
        ms = self.frame.index.asi8 // 1_000_000
        now_ms = self.clock.timestamp_ns() // 1_000_000
        chosen = np.flatnonzero((ms >= since_ms) & (ms <= now_ms))[:limit]
        return [[int(ms[i]), *self.frame.iloc[i].tolist()] for i in chosen]


@pytest.fixture
def history() -> pd.DataFrame:
    return synthetic_ohlcv(M1, 1000, seed=12, start=START)


@pytest.fixture
def venue_clock() -> TestClock:
    # 950 bars have closed; bar 950 (open 15:50) is still forming at 15:50:30.
    return TestClock(START + timedelta(minutes=950, seconds=30))


@pytest.fixture
def venue(history: pd.DataFrame, venue_clock: TestClock) -> MemoryVenue:
    return MemoryVenue(history, venue_clock)


def test_memory_venue_satisfies_the_port(venue: MemoryVenue) -> None:
    assert isinstance(venue, OhlcvFetcher)


def test_pages_walk_forward_and_skip_the_forming_bar(venue, venue_clock, history) -> None:
    downloader = Downloader(venue, clock=venue_clock, sleep=lambda _s: None)
    request = DownloadRequest("BTC/USDT", M1, START)
    pages = list(DownloadSource(downloader, request).frames())
    assert [len(p) for p in pages] == [100] * 9 + [50]
    combined = pd.concat(pages)
    pd.testing.assert_frame_equal(combined, history.iloc[:950], check_freq=False)
    step_ms = 60_000
    assert venue.calls == [int(START.timestamp() * 1000) + i * 100 * step_ms for i in range(10)]
    assert downloader.expected_bars(request) == 950


def test_since_is_moved_up_to_the_grid_and_until_is_exclusive(venue, venue_clock, history):
    downloader = Downloader(venue, clock=venue_clock, sleep=lambda _s: None)
    since = START + timedelta(minutes=10, seconds=1)
    until = START + timedelta(minutes=25)
    bars = pd.concat(downloader.pages(DownloadRequest("BTC/USDT", M1, since, until)))
    pd.testing.assert_frame_equal(bars, history.iloc[11:25], check_freq=False)


def test_transient_errors_are_retried_with_backoff_and_retry_after(venue, venue_clock, history):
    venue.failures.extend(
        [
            VenueUnavailableError("503"),
            RateLimitedError("429", retry_after=7.0),
            VenueUnavailableError("reset"),
        ]
    )
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=5, initial_delay=0.5, multiplier=2.0, max_delay=30.0)
    downloader = Downloader(venue, clock=venue_clock, retry=policy, sleep=sleeps.append)
    bars = pd.concat(downloader.pages(DownloadRequest("BTC/USDT", M1, START)))
    pd.testing.assert_frame_equal(bars, history.iloc[:950], check_freq=False)
    assert sleeps == [0.5, 7.0, 2.0]  # backoff 0.5, then Retry-After beats 1.0, then 2.0
    assert downloader.retries == 3


def test_gives_up_with_the_resume_time(venue, venue_clock) -> None:
    venue.fail_from_call = 3  # calls 1-3 succeed, then the venue is down for good
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=3, initial_delay=1.0, multiplier=3.0, max_delay=5.0)
    downloader = Downloader(venue, clock=venue_clock, retry=policy, sleep=sleeps.append)
    pages = downloader.pages(DownloadRequest("BTC/USDT", M1, START))
    assert len(next(pages)) == 100
    assert len(next(pages)) == 100
    assert len(next(pages)) == 100
    with pytest.raises(VenueUnavailableError, match="after 3 attempts") as info:
        next(pages)
    assert "2024-01-01T05:00:00+00:00" in str(info.value)  # bar 300 is where to resume
    assert "resumes" in (info.value.hint or "")
    assert sleeps == [1.0, 3.0]


def test_permanent_errors_are_not_retried(venue, venue_clock) -> None:
    sleeps: list[float] = []
    downloader = Downloader(venue, clock=venue_clock, sleep=sleeps.append)
    with pytest.raises(DataNotFoundError):
        list(downloader.pages(DownloadRequest("NOPE/USDT", M1, START)))
    assert sleeps == []
    assert len(venue.calls) == 1


def test_request_validation() -> None:
    with pytest.raises(ValidationError, match="no time zone"):
        DownloadRequest("X", M1, datetime(2024, 1, 1))
    with pytest.raises(ValidationError, match="range is empty"):
        DownloadRequest("X", M1, START, START)


def test_service_stores_pages_keeps_them_on_failure_and_resumes(
    tmp_path: Path, venue, venue_clock, history
) -> None:
    catalog = Catalog(tmp_path)
    key = SeriesKey.of("memory", "BTC/USDT", "1m")
    venue.fail_from_call = 4
    policy = RetryPolicy(max_attempts=2, initial_delay=0.0)
    with pytest.raises(VenueUnavailableError):
        download(
            venue, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
            clock=venue_clock, retry=policy, sleep=lambda _s: None, checkpoint_bars=1_000_000,
        )  # fmt: skip
    # The four pages that arrived were stored although the checkpoint was never reached.
    pd.testing.assert_frame_equal(catalog.load(key), history.iloc[:400], check_freq=False)

    venue.fail_from_call = None
    venue.calls.clear()
    result = download(
        venue, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        clock=venue_clock, sleep=lambda _s: None,
    )  # fmt: skip
    assert venue.calls[0] == int((START + timedelta(minutes=400)).timestamp() * 1000)
    assert result.resumed_from == START + timedelta(minutes=400)
    assert result.added == 550
    pd.testing.assert_frame_equal(catalog.load(key), history.iloc[:950], check_freq=False)

    # Later, more bars have closed: an incremental run appends only those.
    venue_clock.advance(timedelta(minutes=20))
    result = download(
        venue, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        clock=venue_clock, sleep=lambda _s: None,
    )  # fmt: skip
    assert result.added == 20
    assert result.requests_pages == 1
    pd.testing.assert_frame_equal(catalog.load(key), history.iloc[:970], check_freq=False)


def test_service_backfills_earlier_history(tmp_path: Path, venue, venue_clock, history) -> None:
    catalog = Catalog(tmp_path)
    key = SeriesKey.of("memory", "BTC/USDT", "1m")
    catalog.write(key, history.iloc[500:600])
    progress = []
    result = download(
        venue, catalog=catalog, symbol="BTC/USDT", timeframe=M1, since=START,
        until=START + timedelta(minutes=700), clock=venue_clock, sleep=lambda _s: None,
        progress=progress.append,
    )  # fmt: skip
    assert result.added == 600  # 500 before the stored bars, 100 after
    pd.testing.assert_frame_equal(catalog.load(key), history.iloc[:700], check_freq=False)
    assert progress[0].total == 600
    assert progress[-1].done == 600
