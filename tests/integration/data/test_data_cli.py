"""`tradegraph data ...` end to end: from a CSV file or a synthetic series to a checked,
catalogued, multi-timeframe data set with the CLI alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradegraph.cli.data import app
from tradegraph.core.clock import LiveClock
from tradegraph.core.errors import DataFormatError
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.settings import get_settings
from tradegraph.testing import FakeBinance

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TRADEGRAPH_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, error


def test_synthetic_to_multi_timeframe(data_dir: Path) -> None:
    code, out, error = _run("synth", "--symbol", "DEMO", "--timeframe", "1m", "--bars", "20000",
                            "--seed", "7")  # fmt: skip
    assert (code, error) == (0, None), out
    assert "synthetic:DEMO:1m: 20,000 bars" in out

    code, out, _ = _run("check", "DEMO", "1m")
    assert code == 0, out
    code, out, _ = _run("resample", "DEMO", "--from", "1m", "--to", "5m,1h", "--to", "1d")
    assert code == 0, out
    assert "last 1d period is not complete" in out  # 20,000 minutes = 13.9 days

    code, out, _ = _run("list")
    assert code == 0
    for tf, bars in (("1m", "20,000"), ("5m", "4,000"), ("1h", "333"), ("1d", "13")):
        assert any(f" {tf} " in line and bars in line for line in out.splitlines()), out
    catalog = Catalog(data_dir / "catalog")
    hourly = catalog.load(SeriesKey.of("synthetic", "DEMO", "1h"))
    minutes = synthetic_ohlcv("1m", 20_000, seed=7)
    assert hourly["high"].iloc[5] == minutes["high"].iloc[300:360].max()


def test_csv_import_and_check(data_dir: Path) -> None:
    code, out, error = _run("import", str(SAMPLES / "tradingview_unix.csv"), "--symbol",
                            "BTC/USDT", "--timeframe", "4h", "--venue", "tv")  # fmt: skip
    assert (code, error) == (0, None), out
    assert "tradingview layout" in out
    assert "Stored 3 new, 0 updated" in out
    code, out, _ = _run("check", "BTC/USDT", "4h")
    assert code == 0
    assert "no issues found" in out


def test_check_exits_1_on_errors_and_names_them(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        "time,open,high,low,close,volume\n"
        "2024-01-01T00:00Z,10,11,9,10.5,1\n"
        "2024-01-01T01:00Z,10,9.5,9,10.5,1\n"  # high below close
    )
    code, out, _ = _run("import", str(path), "--symbol", "X", "--timeframe", "1h", "--strict")
    assert code == 1
    assert "ohlc_inconsistent" in out
    assert "Not imported" in out
    assert not (data_dir / "catalog" / "local").exists()
    code, out, _ = _run("import", str(path), "--symbol", "X", "--timeframe", "1h")
    assert code == 0
    code, out, _ = _run("check", "X", "1h")
    assert code == 1
    assert "ohlc_inconsistent" in out


def test_malformed_file_raises_a_clear_error(data_dir: Path) -> None:
    code, _out, error = _run("import", str(SAMPLES / "malformed_bad_number.csv"), "--symbol",
                             "X", "--timeframe", "1d")  # fmt: skip
    assert code != 0
    assert isinstance(error, DataFormatError)
    assert "line 3, column 3 ('High')" in str(error)


def test_bad_arguments_are_usage_errors(data_dir: Path) -> None:
    code, out, _ = _run("synth", "--symbol", "X", "--timeframe", "7x", "--bars", "10")
    assert code == 2
    assert "Unknown timeframe" in out


def test_download_from_a_local_exchange(data_dir: Path) -> None:
    now = pd.Timestamp(LiveClock().now()).floor("1min")
    start = now - pd.Timedelta(minutes=1500)
    frame = synthetic_ohlcv("1m", 1600, seed=3, start=start.to_pydatetime())  # runs into the future
    frame = frame.map(lambda value: float(f"{value:.8f}"))
    with FakeBinance() as server:
        server.add_klines("BTC/USDT", Timeframe.parse("1m"), frame)
        args = ("download", "--exchange", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m",
                "--since", start.isoformat(), "--api-url", server.base_url)  # fmt: skip
        code, out, error = _run(*args)
        assert (code, error) == (0, None), out
        stored = Catalog(data_dir / "catalog").load(SeriesKey.of("binance", "BTC/USDT", "1m"))
        # Every closed bar up to now, nothing still forming or in the future.
        assert stored.index[0] == start
        assert stored.index[-1] + timedelta(minutes=1) <= pd.Timestamp(LiveClock().now())
        assert len(stored) >= 1499
        pd.testing.assert_frame_equal(stored, frame.iloc[: len(stored)], check_freq=False)
        code, out, _ = _run(*args)
        assert code == 0
        assert "Resumed after the stored bars" in out
