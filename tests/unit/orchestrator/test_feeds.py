"""ReplayFeed: order, resume after a cursor, pacing through the injected sleep."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.orchestrator.sessions.feeds import (
    Feed,
    ReplayFeed,
    bar_input,
    from_ns,
    time_ns,
)
from tradegraph.orchestrator.sessions.schedule import clock_sleep

START = datetime(2024, 3, 1, tzinfo=UTC)
H1 = timedelta(hours=1)


def _feed(bars: int = 50, speed: float = 0.0, sleep=None) -> ReplayFeed:  # type: ignore[no-untyped-def]
    frame = synthetic_ohlcv("1h", bars, seed=3, start=START)
    kwargs = {"sleep": sleep} if sleep is not None else {}
    return ReplayFeed(frame, instrument_id="BTC/USDT.paper", timeframe="1h", speed=speed, **kwargs)


def test_replays_every_bar_in_order_as_model_bars() -> None:
    frame = synthetic_ohlcv("1h", 50, seed=3, start=START)
    feed = ReplayFeed(frame, instrument_id="BTC/USDT.paper", timeframe="1h")
    assert isinstance(feed, Feed)
    bars = list(feed.bars())
    assert len(bars) == len(feed) == 50
    assert [b.time for b in bars] == [START + i * H1 for i in range(50)]
    assert bars[0].instrument_id == "BTC/USDT.paper"
    assert bars[0].close_time == START + H1
    np.testing.assert_array_equal([b.close for b in bars], frame["close"].to_numpy())
    row = bar_input(bars[7])
    assert row.time_ns == time_ns(START + 7 * H1)
    assert (row.open, row.high, row.low, row.close, row.volume) == tuple(frame.iloc[7])


def test_resumes_after_the_cursor_and_history_stops_at_it() -> None:
    feed = _feed()
    cursor = START + 19 * H1
    history = list(feed.history(cursor))
    rest = list(feed.bars(after=cursor))
    assert [b.time for b in history] == [START + i * H1 for i in range(20)]
    assert [b.time for b in rest] == [START + i * H1 for i in range(20, 50)]
    # a cursor between bars, before the first and after the last
    assert next(iter(feed.bars(after=cursor + timedelta(minutes=30)))).time == START + 20 * H1
    assert len(list(feed.bars(after=START - H1))) == 50
    assert list(feed.bars(after=START + 60 * H1)) == []


def test_paces_bars_at_timeframe_over_speed_on_the_injected_clock() -> None:
    clock = TestClock(START)
    waits: list[float] = []
    advance = clock_sleep(clock)

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        advance(seconds)

    feed = _feed(bars=5, speed=1000.0, sleep=sleep)
    assert feed.pause == pytest.approx(3.6)
    seen = [(bar.time, clock.now()) for bar in feed.bars()]
    assert waits == pytest.approx([3.6] * 4)  # no wait before the first bar
    assert seen[-1][1] == START + timedelta(seconds=14.4)


@pytest.mark.parametrize("speed", [0.0, math.inf])
def test_unlimited_speed_never_sleeps(speed: float) -> None:
    def sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}")

    assert len(list(_feed(speed=speed, sleep=sleep).bars())) == 50


def test_stop_ends_the_iteration_after_the_bar_in_hand() -> None:
    feed = _feed()
    seen = []
    for bar in feed.bars():
        seen.append(bar)
        if len(seen) == 3:
            feed.stop()
    assert len(seen) == 3
    assert len(list(feed.bars(after=seen[-1].time))) == 47  # a new iteration runs again


def test_invalid_speed_and_frame() -> None:
    frame = synthetic_ohlcv("1h", 5, seed=1, start=START)
    with pytest.raises(ValidationError, match="speed"):
        ReplayFeed(frame, instrument_id="X.paper", timeframe="1h", speed=-1.0)
    with pytest.raises(Exception, match=r"volume|column"):
        ReplayFeed(frame.drop(columns="volume"), instrument_id="X.paper", timeframe="1h")


def test_time_conversions_round_trip() -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert from_ns(time_ns(moment)) == moment
    assert time_ns(datetime(1970, 1, 1, tzinfo=UTC)) == 0
