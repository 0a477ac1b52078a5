"""Market data over 1M one-minute bars, beside pandas' own figures from the same run.

Run: ``.venv/bin/python -m benchmarks.bench_data [--bars N] [--repeat R]``.

Figures (best of ``--repeat``, ours and the peer alternating):

- catalog load: ``Catalog.load`` of the whole series into a contract frame
  (budget 100 ms); peer ``pandas.read_parquet`` of the same file.
- resample 1m → 1h: ``resample_ohlcv`` (budget 200 ms); peer
  ``DataFrame.resample("1h").agg(first/max/min/last/sum)`` on the same frame.
- CSV to 1h bars: ``read_ohlcv_file`` + ``resample_ohlcv`` against pandas
  ``read_csv`` + ``resample`` on the same CSV file (the peer figure the lead asked for).
- for information: synthetic generation, catalog write, quality check.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradegraph.core.clock import TestClock
from tradegraph.data.catalog import Catalog
from tradegraph.data.keys import SeriesKey
from tradegraph.data.quality import check_quality
from tradegraph.data.resample import resample_ohlcv
from tradegraph.data.sources.files import read_ohlcv_file
from tradegraph.data.sources.synthetic import SyntheticConfig, generate_ohlcv
from tradegraph.model.timeframe import Timeframe

M1, H1 = Timeframe.parse("1m"), Timeframe.parse("1h")
KEY = SeriesKey.of("bench", "BTC/USDT", M1)
RULES = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


@dataclass(frozen=True)
class Row:
    name: str
    ours: float
    budget: float | None
    peer_label: str | None = None
    peer: float | None = None


def best(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pair(
    ours: Callable[[], object], peer: Callable[[], object], repeat: int
) -> tuple[float, float]:
    ours(), peer()
    mine, theirs = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        ours()
        mine.append(time.perf_counter() - start)
        start = time.perf_counter()
        peer()
        theirs.append(time.perf_counter() - start)
    return min(mine), min(theirs)


def pandas_csv_to_hourly(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, index_col="time")
    frame.index = pd.to_datetime(frame.index, unit="ms", utc=True)
    return frame.resample("1h").agg(RULES)


def run(bars: int, repeat: int) -> list[Row]:
    rows = []
    config = SyntheticConfig(timeframe=M1, bars=bars, seed=1)
    rows.append(Row("synthetic generate", best(lambda: generate_ohlcv(config), repeat), None))
    frame = generate_ohlcv(config)
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog")
        rows.append(Row("catalog write", best(lambda: catalog.write(KEY, frame), repeat), None))
        path = catalog.path(KEY)
        load, read_parquet = pair(lambda: catalog.load(KEY), lambda: pd.read_parquet(path), repeat)
        rows.append(Row("catalog load", load, 0.100, "pandas.read_parquet", read_parquet))

        ours_resample, pandas_resample = pair(
            lambda: resample_ohlcv(frame, M1, H1), lambda: frame.resample("1h").agg(RULES), repeat
        )
        rows.append(
            Row("resample 1m→1h", ours_resample, 0.200, "pandas resample.agg", pandas_resample)
        )

        csv_path = Path(tmp) / "bars.csv"
        export = frame.copy()
        export.index = frame.index.asi8 // 1_000_000  # epoch ms, like most exports
        export.index.name = "time"
        export.to_csv(csv_path)
        csv_repeat = max(1, repeat // 3)
        ours_csv, pandas_csv = pair(
            lambda: resample_ohlcv(read_ohlcv_file(csv_path, timeframe=M1).frame, M1, H1),
            lambda: pandas_csv_to_hourly(csv_path),
            csv_repeat,
        )
        rows.append(Row("CSV → 1h bars", ours_csv, None, "pandas read_csv+resample", pandas_csv))
    clock = TestClock(pd.Timestamp("2030-01-01T00:00Z").to_pydatetime())
    check = best(lambda: check_quality(frame, M1, clock=clock), repeat)
    rows.append(Row("quality check", check, None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = run(args.bars, args.repeat)
    print(f"market data, {args.bars:,} 1m bars (best of {args.repeat})")
    header = (
        f"{'path':<22}{'ours ms':>10}{'budget':>9}{'ok':>5}  {'peer':<26}{'peer ms':>9}{'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        budget = f"{row.budget * 1000:.0f}" if row.budget else "-"
        ok = ("yes" if row.ours <= row.budget else "NO") if row.budget else ""
        peer = f"{row.peer * 1000:.1f}" if row.peer is not None else "-"
        ratio = f"{row.peer / row.ours:.1f}x" if row.peer is not None else ""
        print(
            f"{row.name:<22}{row.ours * 1000:>10.1f}{budget:>9}{ok:>5}  "
            f"{row.peer_label or '-':<26}{peer:>9}{ratio:>8}"
        )
    print("ratio = peer time / our time (above 1: we are faster)")


if __name__ == "__main__":
    main()
