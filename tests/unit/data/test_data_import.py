"""Importing every recognised file layout; malformed files name file, line and column."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.errors import DataFormatError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.files import FileSource, read_ohlcv_file
from tradegraph.data.sources.layouts import Layout
from tradegraph.model.timeframe import Timeframe
from tradegraph.services.market_data import import_file

TF = Timeframe.parse


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text if "T" in text else f"{text}T00:00Z")


# (file, timeframe, layout, rows, first time, first row values, last time)
CASES = [
    ("generic_yahoo_daily.csv", "1d", Layout.GENERIC, 5, "2024-01-02",
     [187.15, 188.44, 183.89, 185.64, 82488700], "2024-01-08"),
    ("generic_upper_epoch_ms.csv", "1h", Layout.GENERIC, 4, "2024-01-01T00:00Z",
     [42283.58, 42554.57, 42261.02, 42475.23, 1271.68], "2024-01-01T03:00Z"),
    ("generic_epoch_seconds_semicolon.csv", "5m", Layout.GENERIC, 3, "2024-01-01T00:00Z",
     [2281.87, 2292.00, 2280.01, 2289.80, 2312.51], "2024-01-01T00:10Z"),
    ("cryptodatadownload_desc.csv", "1h", Layout.GENERIC, 3, "2024-01-01T02:00Z",
     [42613.57, 42638.94, 42500.00, 42581.10, 685.62], "2024-01-01T04:00Z"),
    ("metatrader_tab.csv", "15m", Layout.GENERIC, 3, "2024-01-02T00:00Z",
     [1.10380, 1.10410, 1.10352, 1.10391, 412], "2024-01-02T00:30Z"),
    ("tradingview_unix.csv", "4h", Layout.TRADINGVIEW, 3, "2024-01-01T00:00Z",
     [42283.58, 42554.57, 42261.02, 42475.23, 1271.68], "2024-01-01T08:00Z"),
    ("tradingview_iso_daily.csv", "1d", Layout.TRADINGVIEW, 3, "2024-03-08",
     [169.00, 173.70, 168.94, 170.73, 76267041], "2024-03-12"),
    ("binance_klines_1m.csv", "1m", Layout.BINANCE, 3, "2024-01-01T00:00Z",
     [42283.58, 42298.62, 42261.02, 42298.61, 35.92724], "2024-01-01T00:02Z"),
    ("binance_klines_header_5m.csv", "5m", Layout.BINANCE, 2, "2024-01-01T00:00Z",
     [42314.00, 42381.40, 42271.50, 42361.20, 1066.614], "2024-01-01T00:05Z"),
    ("binance_klines_us_1h.csv", "1h", Layout.BINANCE, 2, "2025-01-01T00:00Z",
     [93576.00, 94509.42, 93489.03, 94401.14, 755.9901], "2025-01-01T01:00Z"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_recognised_layouts(samples, case) -> None:
    name, tf, layout, rows, first, values, last = case
    imported = read_ohlcv_file(samples / name, timeframe=TF(tf))
    frame = imported.frame
    assert imported.layout is layout
    assert len(frame) == rows
    assert frame.index[0] == ts(first)
    assert frame.index[-1] == ts(last)
    np.testing.assert_allclose(frame.iloc[0].to_numpy(), values, rtol=0, atol=1e-9)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.index.is_monotonic_increasing


def test_descending_file_is_sorted_with_a_note(samples) -> None:
    imported = read_ohlcv_file(samples / "cryptodatadownload_desc.csv")
    assert imported.notes == ("rows were in descending time order; sorted",)
    assert imported.frame["close"].tolist() == [42581.10, 42330.49, 42252.12]


def test_metatrader_zero_volume_falls_back_to_tick_volume(samples) -> None:
    imported = read_ohlcv_file(samples / "metatrader_tab.csv")
    assert imported.frame["volume"].tolist() == [412.0, 388.0, 301.0]
    assert any("TICKVOL" in note for note in imported.notes)


@pytest.mark.parametrize(
    ("name", "where", "what"),
    [
        ("malformed_bad_number.csv", "line 3, column 3 ('High')", "'18S.88'"),
        ("malformed_field_count.csv", "line 4, column 7", "expected 6 fields, found 7"),
        ("malformed_bad_time.csv", "line 5, column 1 ('time')", "'2024-13-01T02:00:00Z'"),
        ("malformed_conflicting_duplicate.csv", "line 3 and line 4", "two different bars"),
    ],
)
def test_malformed_files_name_file_line_and_column(samples, name, where, what) -> None:
    with pytest.raises(DataFormatError) as info:
        read_ohlcv_file(samples / name)
    message = str(info.value)
    assert str(samples / name) in message
    assert where in message
    assert what in message
    assert info.value.hint


def test_empty_cell_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("time,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n60,1,,0.5,1.5,3\n")
    with pytest.raises(DataFormatError, match=r"line 3, column 3 \('high'\): high is an empty"):
        read_ohlcv_file(path)


def test_not_a_bar_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("hello\nworld\n")
    with pytest.raises(DataFormatError, match="does not look like a bar CSV"):
        read_ohlcv_file(path)
    path.write_text("Date,Open,High,Low,Volume\n2024-01-01,1,2,0,5\n")
    with pytest.raises(DataFormatError, match="no 'close' column"):
        read_ohlcv_file(path)
    with pytest.raises(DataFormatError, match="does not exist"):
        read_ohlcv_file(tmp_path / "missing.csv")


def test_timeframe_finer_than_the_data_is_refused(samples) -> None:
    with pytest.raises(DataFormatError, match=r"only 0 days 00:01:00 apart.*timeframe 1h"):
        read_ohlcv_file(samples / "binance_klines_1m.csv", timeframe=TF("1h"))


def test_identical_duplicate_rows_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "time,open,high,low,close,volume\n0,1,2,0.5,1.5,3\n0,1,2,0.5,1.5,3\n60,1,2,1,1,1\n"
    )
    imported = read_ohlcv_file(path)
    assert imported.duplicates_dropped == 1
    assert len(imported.frame) == 2


def test_parquet_with_datetime_index_and_with_epoch_column(tmp_path: Path) -> None:
    index = pd.date_range("2024-01-01", periods=3, freq="1h", tz="Europe/Berlin", name="Date")
    frame = pd.DataFrame(
        {"Open": [1.0, 2, 3], "High": [2.0, 3, 4], "Low": [0.5, 1, 2], "Close": [1.5, 2.5, 3.5]},
        index=index,
    )
    frame.to_parquet(tmp_path / "indexed.parquet")
    imported = read_ohlcv_file(tmp_path / "indexed.parquet", timeframe=TF("1h"))
    assert imported.layout is Layout.PARQUET
    assert imported.frame.index[0] == pd.Timestamp("2023-12-31T23:00Z")
    assert imported.frame["volume"].tolist() == [0.0, 0.0, 0.0]
    assert imported.notes == ("the file has no volume column; volume set to 0",)

    epoch = pd.DataFrame(
        {"timestamp": [1_704_067_200_000, 1_704_067_260_000], "open": [1.0, 2], "high": [2.0, 3],
         "low": [0.5, 1], "close": [1.5, 2.5], "volume": [7.0, 8]}
    )  # fmt: skip
    epoch.to_parquet(tmp_path / "epoch.parquet")
    imported = read_ohlcv_file(tmp_path / "epoch.parquet")
    assert imported.frame.index[1] == pd.Timestamp("2024-01-01T00:01Z")
    assert imported.frame["volume"].tolist() == [7.0, 8.0]

    epoch.assign(open=["1", "oops"]).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(DataFormatError, match=r"bad.parquet, row 2, column 'open'"):
        read_ohlcv_file(tmp_path / "bad.parquet")


def test_file_source_yields_the_frame(samples) -> None:
    frames = list(FileSource(samples / "binance_klines_1m.csv").frames())
    assert len(frames) == 1
    assert len(frames[0]) == 3


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(root.rglob("*"))
    }


def test_failed_import_leaves_catalog_exactly_as_it_was(samples, tmp_path: Path, clock) -> None:
    catalog = Catalog(tmp_path / "catalog")
    key = SeriesKey.of("local", "AAPL", "1d")
    import_file(samples / "generic_yahoo_daily.csv", catalog=catalog, key=key, clock=clock)
    before = _snapshot(catalog.root)
    for bad in ("malformed_bad_number.csv", "malformed_field_count.csv", "malformed_bad_time.csv"):
        with pytest.raises(DataFormatError):
            import_file(samples / bad, catalog=catalog, key=key, clock=clock)
        with pytest.raises(DataFormatError):  # a new series: no directory may appear either
            import_file(
                samples / bad, catalog=catalog, key=SeriesKey.of("new", "X", "1d"), clock=clock
            )
    assert _snapshot(catalog.root) == before
