"""Market-data use cases: import, synthesize, check, resample (catalog in a temp dir)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.quality import IssueKind
from tradegraph.data.sources.layouts import Layout
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.services import market_data


def test_import_merges_into_an_existing_series(samples, tmp_path: Path, clock) -> None:
    catalog = Catalog(tmp_path)
    key = SeriesKey.of("local", "BTC/USDT", "1h")
    first = market_data.import_file(
        samples / "generic_upper_epoch_ms.csv", catalog=catalog, key=key, clock=clock
    )
    assert first.written
    assert (first.added, first.updated) == (4, 0)
    assert first.layout is Layout.GENERIC
    second = market_data.import_file(
        samples / "cryptodatadownload_desc.csv", catalog=catalog, key=key, clock=clock
    )
    # 02:00 and 03:00 are already stored with the same values; only 04:00 is new.
    assert (second.added, second.updated) == (1, 0)
    stored = catalog.load(key)
    assert len(stored) == 5
    assert stored.loc["2024-01-01T02:00Z", "volume"] == 685.62
    replaced = market_data.import_file(
        samples / "cryptodatadownload_desc.csv", catalog=catalog, key=key, clock=clock, replace=True
    )
    assert replaced.info is not None
    assert replaced.info.rows == 3


def test_strict_import_refuses_a_file_with_errors(tmp_path: Path) -> None:
    path = tmp_path / "future.csv"
    path.write_text(
        "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,1\n2024-01-02,1,2,0.5,1.5,1\n"
    )
    catalog = Catalog(tmp_path / "catalog")
    key = SeriesKey.of("local", "X", "1d")
    early = TestClock(datetime(2024, 1, 1, 12, tzinfo=UTC))  # the 01-02 bar is in the future
    result = market_data.import_file(path, catalog=catalog, key=key, clock=early, strict=True)
    assert not result.written
    assert result.report.issue(IssueKind.FUTURE_TIMESTAMP) is not None
    assert not catalog.exists(key)
    lenient = market_data.import_file(path, catalog=catalog, key=key, clock=early)
    assert lenient.written
    assert catalog.describe(key).rows == 2


def test_synthesize_stores_a_deterministic_series(tmp_path: Path, clock) -> None:
    catalog = Catalog(tmp_path)
    key = SeriesKey.of("synthetic", "DEMO", "15m")
    events = []
    result = market_data.synthesize(
        catalog=catalog, key=key, bars=2000, seed=5, clock=clock, progress=events.append
    )
    assert result.info.rows == 2000
    assert result.report.ok
    expected = synthetic_ohlcv("15m", 2000, seed=5)
    pd.testing.assert_frame_equal(catalog.load(key), expected, check_freq=False)
    assert [e.stage for e in events] == ["generate", "check", "write", "done"]
    start = datetime(2023, 6, 1, tzinfo=UTC)
    market_data.synthesize(catalog=catalog, key=key, bars=10, seed=5, clock=clock, start=start)
    assert catalog.describe(key).start == start


def test_check_reports_on_a_stored_series(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    key = SeriesKey.of("synthetic", "DEMO", "1d")
    catalog.write(key, synthetic_ohlcv("1d", 30, start=datetime(2024, 1, 1, tzinfo=UTC)))
    clock = TestClock(datetime(2024, 1, 20, 12, tzinfo=UTC))
    report = market_data.check(catalog=catalog, key=key, clock=clock)
    future = report.issue(IssueKind.FUTURE_TIMESTAMP)
    assert future is not None
    assert future.count == 10  # 2024-01-21 .. 2024-01-30; the 20th is still forming
    assert report.issue(IssueKind.INCOMPLETE_BAR) is not None


def test_resample_stores_complete_bars_only(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    source = SeriesKey.of("synthetic", "DEMO", "1m")
    base = synthetic_ohlcv("1m", 3 * 1440 + 90, seed=1)  # three days and 90 minutes
    catalog.write(source, base)
    results = market_data.resample(
        catalog=catalog, source=source, targets=[Timeframe.parse("1h"), Timeframe.parse("1d")]
    )
    assert [(r.key.timeframe.code, r.bars, r.incomplete_dropped) for r in results] == [
        ("1h", 73, True),  # 72 full hours + 01:00 on day 4; 02:00 has 30 minutes
        ("1d", 3, True),
    ]
    daily = catalog.load(SeriesKey.of("synthetic", "DEMO", "1d"))
    first_day = base.loc["2020-01-01"]
    assert daily.iloc[0].tolist() == [
        first_day["open"].iloc[0],
        first_day["high"].max(),
        first_day["low"].min(),
        first_day["close"].iloc[-1],
        pytest.approx(first_day["volume"].sum()),
    ]
    kept = market_data.resample(
        catalog=catalog, source=source, targets=[Timeframe.parse("1d")], include_incomplete=True
    )
    assert kept[0].bars == 4
    with pytest.raises(ValidationError, match="Cannot resample 1m bars into 90s"):
        market_data.resample(catalog=catalog, source=source, targets=[Timeframe(90)])
    assert [i.key.timeframe.code for i in market_data.list_series(catalog)] == ["1m", "1h", "1d"]
