"""Fixtures for the market-data unit tests (tests run with --import-mode=importlib, so
helpers are handed out as fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.clock import TestClock

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

BarsFactory = Callable[..., pd.DataFrame]


def _bars(
    rows: Sequence[Sequence[float]],
    *,
    start: str = "2024-01-01",
    freq: str = "1min",
    times: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A contract-shaped frame from (open, high, low, close, volume) rows."""
    index = (
        pd.DatetimeIndex([pd.Timestamp(t, tz="UTC") for t in times])
        if times is not None
        else pd.date_range(start, periods=len(rows), freq=freq, tz="UTC")
    )
    array = np.asarray(rows, dtype=np.float64).reshape(len(rows), 5)
    frame = pd.DataFrame(array, columns=["open", "high", "low", "close", "volume"])
    frame.index = pd.DatetimeIndex(index.as_unit("ns"), name="time")
    return frame


@pytest.fixture
def bars() -> BarsFactory:
    return _bars


@pytest.fixture
def clock() -> TestClock:
    return TestClock(datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture
def samples() -> Path:
    return SAMPLES
