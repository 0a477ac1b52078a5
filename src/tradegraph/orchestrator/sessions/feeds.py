"""Feeds: where a session's closed bars come from, in time order.

A ``Feed`` has two views of one series:

- ``history(until)``: the closed bars opening at or before ``until``, at once and without
  pacing: what a resumed session replays into its workflow (warm-up) before acting again;
- ``bars(after)``: the closed bars opening strictly after ``after`` (all of them when
  None), paced like the market: a replay waits ``timeframe / speed`` between bars, a poll
  waits for the next bar to close. The iteration ends at the end of a replay, or when
  ``stop()`` was called.

Implementations:

- ``ReplayFeed``: a contract frame (catalog or synthetic) on an accelerated clock. The
  wait goes through an injectable ``sleep``; ``speed=0`` (or ``inf``) never waits.
- ``PollingFeed``: closed candles from an exchange through the ``OhlcvFetcher`` port
  (ccxt in production). A bar is yielded only once its close time has passed by the feed's
  ``Clock`` (exchanges also return the still-forming bar). It sleeps until the next bar is
  due (its close + ``grace``), and while the venue lags or fails it re-checks on a
  ``Cadence`` (by default the adaptive back-off 15 min → 4 h capped at one bar).

Bars are ``tradegraph.model.bar.Bar`` values (open time, instrument, timeframe);
``bar_input`` turns one into the workflow step engine's ``BarInput``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ValidationError, VenueUnavailableError
from tradegraph.data.contract import times_ns, validate_ohlcv
from tradegraph.data.sources.ports import OhlcvFetcher, RateLimitedError, RawBar
from tradegraph.model.bar import Bar
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.schedule import AdaptiveCadence, Backoff, Cadence, Sleep
from tradegraph.workflow.step import BarInput

_NS = 1_000_000_000


def bar_input(bar: Bar) -> BarInput:
    """``bar`` as the step engine's plain-number row (time = open time in epoch ns)."""
    return BarInput(time_ns(bar.time), bar.open, bar.high, bar.low, bar.close, bar.volume)


def time_ns(moment: datetime) -> int:
    """Epoch nanoseconds of an aware datetime (exact, no float rounding)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1_000


def from_ns(value: int) -> datetime:
    """The aware UTC datetime of epoch nanoseconds (microsecond resolution)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 1_000)


@runtime_checkable
class Feed(Protocol):
    """Closed bars of one instrument and timeframe (see the module docstring)."""

    @property
    def instrument_id(self) -> str: ...

    @property
    def timeframe(self) -> Timeframe: ...

    def initial_cursor(self) -> datetime | None:
        """Where a session that has processed nothing yet starts: None for the first bar
        (a replay), else the last closed bar (a live feed: it warms up on the history up
        to there and trades from the next bar on)."""
        ...

    def history(self, until: datetime) -> Iterator[Bar]:
        """Closed bars opening at or before ``until``, oldest first, without waiting."""
        ...

    def bars(self, after: datetime | None = None) -> Iterator[Bar]:
        """Closed bars opening after ``after``, paced; ends at the end or after ``stop``."""
        ...

    def stop(self) -> None:
        """Make ``bars`` end after the bar in hand (safe from another thread)."""
        ...


def _no_sleep(seconds: float) -> None:
    del seconds


class ReplayFeed:
    """A frame replayed bar by bar on an accelerated clock."""

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        instrument_id: str,
        timeframe: Timeframe | str,
        speed: float = 0.0,
        sleep: Sleep = _no_sleep,
    ) -> None:
        validate_ohlcv(frame, what=f"replay bars of {instrument_id}")
        if not (speed >= 0.0):
            raise ValidationError(
                f"Replay speed must be >= 0, got {speed}.",
                hint="Use e.g. 1000 (1000x real time); 0 or inf replays without waiting.",
            )
        self._instrument_id = instrument_id
        self._timeframe = Timeframe.parse(timeframe)
        self._times = times_ns(frame)
        self._values = frame[["open", "high", "low", "close", "volume"]].to_numpy(dtype=np.float64)
        self.speed = speed
        self.sleep = sleep
        self._stopped = False

    @property
    def instrument_id(self) -> str:
        return self._instrument_id

    @property
    def timeframe(self) -> Timeframe:
        return self._timeframe

    def __len__(self) -> int:
        return len(self._times)

    @property
    def pause(self) -> float:
        """Seconds waited between two bars."""
        if self.speed == 0.0 or math.isinf(self.speed):
            return 0.0
        return self._timeframe.seconds / self.speed

    def _bar(self, i: int) -> Bar:
        o, h, low, c, v = (float(x) for x in self._values[i])
        return Bar(
            self._instrument_id, self._timeframe, from_ns(int(self._times[i])), o, h, low, c, v
        )

    def initial_cursor(self) -> datetime | None:
        return None

    def _index_after(self, moment: datetime | None) -> int:
        if moment is None:
            return 0
        return int(np.searchsorted(self._times, time_ns(moment), side="right"))

    def history(self, until: datetime) -> Iterator[Bar]:
        for i in range(self._index_after(until)):
            yield self._bar(i)

    def bars(self, after: datetime | None = None) -> Iterator[Bar]:
        self._stopped = False
        pause = self.pause
        first = True
        for i in range(self._index_after(after), len(self._times)):
            if not first and pause > 0.0:
                self.sleep(pause)
            if self.stopped:
                return
            first = False
            yield self._bar(i)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        self._stopped = True


@dataclass(frozen=True, slots=True)
class PollSettings:
    """How a ``PollingFeed`` asks for bars."""

    warmup_bars: int = 500
    """Bars of history loaded before a fresh start (when there is no cursor)."""
    grace: timedelta = timedelta(seconds=5)
    """Wait this long after a bar's close before asking for it (exchange lag)."""
    page_limit: int = 1000

    def __post_init__(self) -> None:
        if self.warmup_bars < 0 or self.page_limit < 1 or self.grace < timedelta(0):
            raise ValidationError(
                f"Invalid poll settings {self}.",
                hint="warmup_bars >= 0, page_limit >= 1 and a non-negative grace.",
            )


class PollingFeed:
    """Closed candles polled from a venue (see the module docstring)."""

    def __init__(
        self,
        fetcher: OhlcvFetcher,
        *,
        symbol: str,
        instrument_id: str,
        timeframe: Timeframe | str,
        clock: Clock,
        sleep: Sleep,
        settings: PollSettings | None = None,
        retry: Cadence | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.symbol = symbol
        self._instrument_id = instrument_id
        self._timeframe = Timeframe.parse(timeframe)
        self.clock = clock
        self.sleep = sleep
        self.settings = settings or PollSettings()
        tf = timedelta(seconds=self._timeframe.seconds)
        self.retry = retry or AdaptiveCadence(
            Backoff(minimum=min(timedelta(minutes=15), tf), maximum=min(timedelta(hours=4), tf))
        )
        self._stopped = False
        self.polls = 0
        self.failures = 0

    @property
    def instrument_id(self) -> str:
        return self._instrument_id

    @property
    def timeframe(self) -> Timeframe:
        return self._timeframe

    def stop(self) -> None:
        self._stopped = True

    # -- fetching ---------------------------------------------------------------------
    def initial_cursor(self) -> datetime:
        """The open time of the last bar that has closed by the clock."""
        now_ns = time_ns(self.clock.now())
        step = self._timeframe.nanoseconds
        return from_ns((now_ns // step) * step - step)

    def _closed(self, rows: list[RawBar], after_ns: int | None, now: datetime) -> list[Bar]:
        out: list[Bar] = []
        for row in rows:
            open_ns = int(row[0]) * 1_000_000
            if after_ns is not None and open_ns <= after_ns:
                continue
            bar = Bar(
                self._instrument_id,
                self._timeframe,
                from_ns(open_ns),
                float(row[1]),
                float(row[2]),
                float(row[3]),
                float(row[4]),
                float(row[5]),
            )
            if bar.close_time > now:
                break  # the bar still forming (and anything after it)
            out.append(bar)
        return out

    def _fetch_since(self, since: datetime, after_ns: int | None) -> list[Bar]:
        """Every closed bar opening at or after ``since`` (and after ``after_ns``)."""
        now = self.clock.now()
        since_ms = time_ns(since) // 1_000_000
        limit = min(self.settings.page_limit, self.fetcher.max_page_size)
        out: list[Bar] = []
        while True:
            self.polls += 1
            rows = self.fetcher.fetch_ohlcv(self.symbol, self._timeframe, since_ms, limit)
            page = self._closed(rows, after_ns, now)
            out.extend(page)
            if page:
                after_ns = time_ns(page[-1].time)
            if len(rows) < limit or len(page) < len(rows) or not rows:
                return out
            since_ms = int(rows[-1][0]) + self._timeframe.seconds * 1000

    def history(self, until: datetime) -> Iterator[Bar]:
        back = max(self.settings.warmup_bars - 1, 0)  # ``warmup_bars`` bars, ``until``'s included
        start = until - timedelta(seconds=self._timeframe.seconds * back)
        for bar in self._fetch_since(start, None):
            if bar.time > until:
                return
            yield bar

    def bars(self, after: datetime | None = None) -> Iterator[Bar]:
        """Without a cursor, the first bar yielded is the next one to close from now."""
        self._stopped = False
        tf = timedelta(seconds=self._timeframe.seconds)
        last = after if after is not None else self.initial_cursor()
        due = last + 2 * tf + self.settings.grace  # the bar after ``last`` closes at last + 2 tf
        while self._wait(due):
            try:
                fresh = self._fetch_since(last + tf, time_ns(last))
            except (RateLimitedError, VenueUnavailableError):
                self.failures += 1
                fresh = []
            for bar in fresh:
                if self._stopped:
                    return
                yield bar
                last = bar.time
            if fresh:
                self.retry.next_check(self.clock.now(), True)  # activity: reset the back-off
                due = last + 2 * tf + self.settings.grace
            else:  # late or failing venue: ask again on the retry cadence
                due = self.retry.next_check(self.clock.now(), False)

    def _wait(self, moment: datetime) -> bool:
        """Sleep until ``moment``; False when stopped meanwhile."""
        while not self._stopped:
            remaining = (moment - self.clock.now()).total_seconds()
            if remaining <= 0:
                return True
            self.sleep(remaining)
        return False


__all__ = ["Feed", "PollSettings", "PollingFeed", "ReplayFeed", "bar_input", "from_ns", "time_ns"]
