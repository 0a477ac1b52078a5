"""Fixtures for market-data integration tests: a local fake Binance on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tradegraph.core.clock import TestClock
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.testing import FakeBinance

START = datetime(2024, 1, 1, tzinfo=UTC)
BARS = 3500
CLOSED = 3400  # bars that have closed by the exchange clock


@pytest.fixture
def history() -> pd.DataFrame:
    """1m bars with 8-decimal values (what Binance sends), so round trips are exact."""
    frame = synthetic_ohlcv(Timeframe.parse("1m"), BARS, seed=21, start=START)
    return frame.map(lambda value: float(f"{value:.8f}"))


@pytest.fixture
def exchange_clock() -> TestClock:
    return TestClock(START + timedelta(minutes=CLOSED, seconds=20))


@pytest.fixture
def fake_binance(history: pd.DataFrame, exchange_clock: TestClock) -> Iterator[FakeBinance]:
    with FakeBinance(clock=exchange_clock) as server:
        server.add_klines("BTC/USDT", Timeframe.parse("1m"), history)
        yield server
