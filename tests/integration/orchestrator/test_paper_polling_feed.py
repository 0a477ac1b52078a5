"""PollingFeed against the real ccxt binance client and a local fake Binance: only
closed candles, in order, waiting for each to close; venue faults are retried; a session
runs on it and stops on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from tradegraph.bootstrap.market_data import exchange_fetcher
from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.execution.simulated import MemoryVenueJournal
from tradegraph.model.bar import Bar
from tradegraph.model.timeframe import Timeframe
from tradegraph.orchestrator.sessions.assembly import paper_parts
from tradegraph.orchestrator.sessions.feeds import PollingFeed, PollSettings
from tradegraph.orchestrator.sessions.runner import SessionRunner, StepReport
from tradegraph.orchestrator.sessions.schedule import Sleep, clock_sleep
from tradegraph.orchestrator.sessions.spec import FeedKind, SessionStatus
from tradegraph.testing import FakeBinance, Fault
from tradegraph.testing.orders import InMemoryOrderStore
from tradegraph.testing.risk import InMemoryRiskStateStore
from tradegraph.testing.sessions import InMemorySessionStore
from tradegraph.workflow.templates import load_template

START = datetime(2024, 1, 1, tzinfo=UTC)
M5 = Timeframe.parse("5m")
STEP = timedelta(minutes=5)
KLINES = "/api/v3/klines"
CLOSED = 200


@pytest.fixture
def history() -> pd.DataFrame:
    frame = synthetic_ohlcv(M5, 400, seed=5, start=START)
    return frame.map(lambda value: float(f"{value:.8f}"))


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START + CLOSED * STEP + timedelta(seconds=20))  # bar 200 is forming


@pytest.fixture
def server(history: pd.DataFrame, clock: TestClock) -> Iterator[FakeBinance]:
    with FakeBinance(clock=clock) as fake:
        fake.add_klines("BTC/USDT", M5, history)
        yield fake


def _feed(server: FakeBinance, clock: TestClock, sleep: Sleep) -> PollingFeed:
    return PollingFeed(
        exchange_fetcher("binance", api_base_url=server.base_url),
        symbol="BTC/USDT",
        instrument_id="BTC/USDT.paper",
        timeframe=M5,
        clock=clock,
        sleep=sleep,
        settings=PollSettings(warmup_bars=50, grace=timedelta(seconds=5)),
    )


def _same(bar: Bar, history: pd.DataFrame) -> bool:
    row = history.loc[pd.Timestamp(bar.time)]
    return (bar.open, bar.high, bar.low, bar.close, bar.volume) == tuple(row)


def test_history_is_the_closed_bars_up_to_the_cursor(server, clock, history) -> None:
    feed = _feed(server, clock, clock_sleep(clock))
    bars = list(feed.history(START + (CLOSED - 1) * STEP))
    assert [b.time for b in bars] == [START + i * STEP for i in range(CLOSED - 50, CLOSED)]
    assert all(_same(b, history) for b in bars)
    assert all(b.close_time <= clock.now() for b in bars)


def test_bars_wait_for_each_close_and_never_yield_the_forming_bar(server, clock, history) -> None:
    waits: list[float] = []
    advance = clock_sleep(clock)

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        advance(seconds)

    feed = _feed(server, clock, sleep)
    seen: list[tuple[Bar, datetime]] = []
    for bar in feed.bars(after=START + (CLOSED - 1) * STEP):
        seen.append((bar, clock.now()))
        if len(seen) == 6:
            feed.stop()
    assert [b.time for b, _ in seen] == [START + i * STEP for i in range(CLOSED, CLOSED + 6)]
    for bar, now in seen:
        assert bar.close_time <= now  # closed when yielded
        assert now - bar.close_time <= timedelta(seconds=5)  # ... and not much later
        assert _same(bar, history)
    assert sum(waits) > 5 * 60 * 5  # it really waited for the bars to close
    assert feed.failures == 0


def test_venue_faults_are_retried_with_backoff(server, clock) -> None:
    server.inject(KLINES, Fault.server_error(503), Fault.rate_limited(retry_after=0.1), None)
    feed = _feed(server, clock, clock_sleep(clock))
    bars = []
    for bar in feed.bars(after=START + (CLOSED - 1) * STEP):
        bars.append(bar)
        if len(bars) == 2:
            feed.stop()
    assert [b.time for b in bars] == [START + CLOSED * STEP, START + (CLOSED + 1) * STEP]
    assert feed.failures == 2
    statuses = [r.status for r in server.requests_to(KLINES)]
    assert statuses[:3] == [503, 429, 200]


def test_a_session_trades_polled_bars_and_stops_on_request(server, clock, make_spec) -> None:
    spec = make_spec("sma_cross", session_id="live", quantity="1")
    spec = type(spec).from_dict({**spec.to_dict(), "feed": FeedKind.CCXT.value, "timeframe": "5m",
                                 "data_venue": "binance"})  # fmt: skip
    wall = LiveClock()
    sessions = InMemorySessionStore(wall)
    sessions.create(spec)
    orders = InMemoryOrderStore(spec.tenant_id, wall)
    feed = _feed(server, clock, clock_sleep(clock))
    parts, _, _ = paper_parts(
        spec,
        workflow=load_template("sma_cross"),
        feed=feed,
        order_store=orders,
        session_store=sessions,
        risk_store=InMemoryRiskStateStore(),
        venue_journal=MemoryVenueJournal(),
        clock=TestClock(START),
        wall=wall,
    )
    steps: list[StepReport] = []

    def observe(report: StepReport) -> None:
        steps.append(report)
        if len(steps) == 30:
            sessions.request_stop(spec.session_id)

    runner = SessionRunner(parts, owner="poller", observer=observe)
    result = runner.run()
    assert result.status is SessionStatus.STOPPED
    assert result.bars == 30  # the stop request was honoured after the bar in hand
    assert result.warmup_bars == 50  # a fresh live session warms up on recent history
    times = [s.bar.time for s in steps]
    assert times == [START + i * STEP for i in range(CLOSED, CLOSED + 30)]
    decisions = sessions.decisions(spec.session_id, limit=100)
    assert [d.bar_time for d in decisions] == times
    assert sessions.get_state(spec.session_id).cursor == times[-1]
    assert Decimal(0) <= abs(steps[-1].position)
