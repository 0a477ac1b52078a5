"""The Parquet catalog: layout, round trips, range loads, appends, atomicity."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tradegraph.core.errors import DataFormatError, DataNotFoundError, ValidationError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.synthetic import synthetic_ohlcv

KEY = SeriesKey.of("binance", "btc/usdt", "1h")


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(root.rglob("*"))
    }


def test_layout_and_exact_round_trip(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    frame = synthetic_ohlcv("1h", 500, seed=1)
    info = catalog.write(KEY, frame)
    assert info.path == tmp_path / "binance" / "BTC-USDT" / "1h.parquet"
    assert info.path.is_file()
    assert info.rows == 500
    assert info.start == frame.index[0].to_pydatetime()
    assert info.end == frame.index[-1].to_pydatetime()
    assert info.end_close == (frame.index[-1] + pd.Timedelta(hours=1)).to_pydatetime()
    pd.testing.assert_frame_equal(catalog.load(KEY), frame, check_freq=False)


def test_range_load_is_half_open(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    frame = synthetic_ohlcv("1h", 200, seed=2, start=datetime(2024, 1, 1, tzinfo=UTC))
    catalog.write(KEY, frame)
    start, end = datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC)
    part = catalog.load(KEY, start, end)
    assert len(part) == 24
    assert part.index[0] == pd.Timestamp(start)
    assert part.index[-1] == pd.Timestamp("2024-01-02T23:00Z")
    pd.testing.assert_frame_equal(part, frame.loc[start : pd.Timestamp(end) - pd.Timedelta(1)])
    assert len(catalog.load(KEY, start=datetime(2030, 1, 1, tzinfo=UTC))) == 0
    with pytest.raises(ValidationError, match="no time zone"):
        catalog.load(KEY, datetime(2024, 1, 2))


def test_append_merges_and_new_values_win(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    frame = synthetic_ohlcv("1h", 100, seed=3)
    catalog.write(KEY, frame.iloc[:60])
    changed = frame.iloc[50:].copy()
    changed.iloc[0, changed.columns.get_loc("close")] = 12345.0  # overlaps bar 50
    result = catalog.append(KEY, changed)
    assert result.added == 40
    assert result.updated == 1  # bars 51-59 are identical, bar 50 changed
    stored = catalog.load(KEY)
    assert len(stored) == 100
    assert stored["close"].iloc[50] == 12345.0
    pd.testing.assert_frame_equal(stored.iloc[60:], frame.iloc[60:], check_freq=False)
    again = catalog.append(KEY, changed)
    assert (again.added, again.updated) == (0, 0)


def test_append_of_earlier_bars_keeps_order(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    frame = synthetic_ohlcv("1h", 50, seed=4)
    catalog.append(KEY, frame.iloc[30:])
    result = catalog.append(KEY, frame.iloc[:30])
    assert result.added == 30
    pd.testing.assert_frame_equal(catalog.load(KEY), frame, check_freq=False)


def test_failed_write_leaves_catalog_exactly_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(tmp_path)
    catalog.write(KEY, synthetic_ohlcv("1h", 10, seed=5))
    before = _snapshot(tmp_path)

    def explode(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", explode)
    with pytest.raises(OSError, match="disk full"):
        catalog.write(KEY, synthetic_ohlcv("1h", 20, seed=6))
    with pytest.raises(OSError, match="disk full"):
        catalog.write(SeriesKey.of("kraken", "ETH/EUR", "1d"), synthetic_ohlcv("1d", 5))
    assert _snapshot(tmp_path) == before  # no temp files, no new directories


def test_list_describe_find_and_delete(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    assert catalog.list() == []
    keys = [
        SeriesKey.of("binance", "BTC/USDT", "1h"),
        SeriesKey.of("binance", "BTC/USDT", "1m"),
        SeriesKey.of("kraken", "BTC/USDT", "1h"),
        SeriesKey.of("local", "AAPL", "1d"),
    ]
    for key in keys:
        catalog.write(key, synthetic_ohlcv(key.timeframe, 5))
    listed = [info.key for info in catalog.list()]
    assert listed == sorted(keys)
    assert catalog.describe(keys[3]).rows == 5
    assert catalog.find("aapl", "1d") == keys[3]
    assert catalog.find("BTC/USDT", "1m") == keys[1]
    with pytest.raises(ValidationError, match="several venues: binance, kraken"):
        catalog.find("BTC/USDT", "1h")
    assert catalog.find("BTC/USDT", "1h", venue="kraken") == keys[2]
    with pytest.raises(DataNotFoundError, match="No 4h series for AAPL"):
        catalog.find("AAPL", "4h")
    catalog.delete(keys[3])
    assert not (tmp_path / "local").exists()
    with pytest.raises(DataNotFoundError, match="tradegraph data list"):
        catalog.load(keys[3])


def test_symbols_that_share_a_file_are_refused(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.write(SeriesKey.of("x", "BTC/USDT", "1h"), synthetic_ohlcv("1h", 3))
    with pytest.raises(ValidationError, match="maps to the same file"):
        catalog.write(SeriesKey.of("x", "BTC-USDT", "1h"), synthetic_ohlcv("1h", 3))


def test_damaged_or_foreign_files_give_clear_errors(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    path = catalog.path(KEY)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not parquet")
    with pytest.raises(DataFormatError, match="not a tradegraph catalog file"):
        catalog.describe(KEY)
    with pytest.raises(DataFormatError, match="Cannot read catalog file"):
        catalog.load(KEY)


def test_write_refuses_non_contract_frames(tmp_path: Path) -> None:
    frame = synthetic_ohlcv("1h", 3).iloc[::-1]
    with pytest.raises(DataFormatError, match="strictly increasing"):
        Catalog(tmp_path).write(KEY, frame)
    assert not any(tmp_path.iterdir())


def test_series_key_validation() -> None:
    assert str(SeriesKey.of(" Binance ", " eth/usdt:usdt ", "4h")) == "binance:ETH/USDT:USDT:4h"
    assert SeriesKey.of("b", "ETH/USDT:USDT", "1h").symbol_dir == "ETH-USDT_USDT"
    for venue, symbol in (("bad venue", "X"), ("x", "../etc"), ("x", ""), ("x", "A\\B")):
        with pytest.raises(ValidationError):
            SeriesKey.of(venue, symbol, "1h")
