"""The market-data catalog: one Parquet file per venue/symbol/timeframe.

Layout: ``<root>/<venue>/<SYMBOL with / as ->/<timeframe>.parquet`` (``binance/BTC-USDT/1h.parquet``).
Each file holds a contract frame (column ``time`` as ``timestamp[ns, UTC]`` plus five
float64 columns) and, in its footer, the series key, row count and first/last bar time, so
``describe`` and ``list`` read a few bytes only.

Writes are atomic: the new file is written to a temporary file in the same directory,
flushed to disk and renamed over the old one, so a reader sees the old or the new series,
never a torn one, and a failed write leaves the catalog as it was. Writers to one series
take an advisory lock on its directory, so concurrent appends do not lose bars.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradegraph.core.errors import DataFormatError, DataNotFoundError, ValidationError
from tradegraph.data.contract import (
    INDEX_NAME,
    OHLCV_COLUMNS,
    empty_ohlcv,
    from_arrays,
    times_ns,
    validate_ohlcv,
)
from tradegraph.data.keys import SeriesKey
from tradegraph.model.timeframe import Timeframe

try:  # advisory locks are POSIX-only; elsewhere writers rely on atomic renames alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION: Final = 1
_META_KEY: Final = b"tradegraph"
_SUFFIX: Final = ".parquet"
_ROW_GROUP: Final = 131_072
_TIME_TYPE: Final = pa.timestamp("ns", tz="UTC")
_SCHEMA: Final = pa.schema(
    [pa.field(INDEX_NAME, _TIME_TYPE, nullable=False)]
    + [pa.field(name, pa.float64()) for name in OHLCV_COLUMNS]
)


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """What the catalog knows about one stored series."""

    key: SeriesKey
    path: Path
    rows: int
    start: datetime | None
    end: datetime | None
    """Open time of the last bar."""
    size_bytes: int

    @property
    def end_close(self) -> datetime | None:
        """Close time of the last bar (when the next bar would open)."""
        if self.end is None:
            return None
        return self.end + pd.Timedelta(seconds=self.key.timeframe.seconds).to_pytimedelta()


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Outcome of ``Catalog.append``."""

    info: SeriesInfo
    added: int
    """Bars at times the series did not have before."""
    updated: int
    """Bars at existing times whose values changed (the appended values win)."""


def _ts(ns: int | None) -> datetime | None:
    return None if ns is None else pd.Timestamp(ns, tz="UTC").to_pydatetime()


def _to_ns(value: datetime | pd.Timestamp) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValidationError(
            f"Range bound {value!r} has no time zone.",
            hint="Pass timezone-aware UTC datetimes, e.g. datetime(2024, 1, 1, tzinfo=UTC).",
        )
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem allows it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Catalog:
    """Parquet bar series under ``root``; see the module docstring for the guarantees."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- paths -----------------------------------------------------------------------
    def path(self, key: SeriesKey) -> Path:
        return self.root / key.venue / key.symbol_dir / f"{key.timeframe.code}{_SUFFIX}"

    def exists(self, key: SeriesKey) -> bool:
        return self.path(key).is_file()

    # -- reading ---------------------------------------------------------------------
    def describe(self, key: SeriesKey) -> SeriesInfo:
        """Rows and time span of a stored series (reads the file footer only)."""
        return self._info_from_file(self._existing(key))

    def list(self) -> list[SeriesInfo]:
        """Every stored series, sorted by venue, symbol and timeframe length."""
        if not self.root.is_dir():
            return []
        infos = [
            self._info_from_file(path)
            for path in self.root.glob(f"*/*/*{_SUFFIX}")
            if not path.name.startswith(".")
        ]
        return sorted(infos, key=lambda i: i.key)

    def find(self, symbol: str, timeframe: Timeframe | str, venue: str | None = None) -> SeriesKey:
        """The key of a stored series; ``venue`` may be omitted when only one venue has it."""
        tf = Timeframe.parse(timeframe)
        if venue is not None:
            key = SeriesKey.of(venue, symbol, tf)
            self._existing(key)
            return key
        wanted = symbol.strip().upper()
        matches = [i.key for i in self.list() if i.key.symbol == wanted and i.key.timeframe == tf]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise DataNotFoundError(
                f"No {tf} series for {wanted} in the catalog at {self.root}.",
                hint="Run `tradegraph data list` to see what is stored, or import/synth it.",
            )
        raise ValidationError(
            f"{wanted} {tf} is stored for several venues: {', '.join(k.venue for k in matches)}.",
            hint="Say which one with --venue.",
        )

    def load(
        self,
        key: SeriesKey,
        start: datetime | pd.Timestamp | None = None,
        end: datetime | pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """Bars with ``start <= open time < end`` (either bound optional) as a contract frame."""
        path = self._existing(key)
        filters = []
        if start is not None:
            filters.append((INDEX_NAME, ">=", pa.scalar(_to_ns(start), type=_TIME_TYPE)))
        if end is not None:
            filters.append((INDEX_NAME, "<", pa.scalar(_to_ns(end), type=_TIME_TYPE)))
        try:
            table = pq.read_table(path, filters=filters or None)
        except (OSError, pa.ArrowException) as exc:
            raise DataFormatError(
                f"Cannot read catalog file {path}: {exc}.",
                hint="The file is damaged; delete it and import or download the series again.",
            ) from exc
        return _table_to_frame(table)

    # -- writing ---------------------------------------------------------------------
    def write(self, key: SeriesKey, frame: pd.DataFrame) -> SeriesInfo:
        """Replace the series with ``frame`` (a contract frame), atomically."""
        validate_ohlcv(frame, what=f"bars for {key}")
        with self._lock(key):
            self._check_owner(key)
            return self._write(key, frame)

    def append(self, key: SeriesKey, frame: pd.DataFrame) -> AppendResult:
        """Merge ``frame`` into the series; on equal times the appended bar wins."""
        validate_ohlcv(frame, what=f"bars for {key}")
        with self._lock(key):
            self._check_owner(key)
            existing = self.load(key) if self.exists(key) else empty_ohlcv()
            merged, added, updated = _merge(existing, frame)
            if added == 0 and updated == 0 and self.exists(key):
                return AppendResult(self.describe(key), 0, 0)
            return AppendResult(self._write(key, merged), added, updated)

    def delete(self, key: SeriesKey) -> None:
        """Remove a stored series (and its directory when it becomes empty)."""
        path = self._existing(key)
        with self._lock(key):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()
            path.parent.parent.rmdir()

    # -- internals -------------------------------------------------------------------
    def _existing(self, key: SeriesKey) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise DataNotFoundError(
                f"No series {key} in the catalog at {self.root} (looked for {path}).",
                hint="Run `tradegraph data list` to see what is stored, or import/synth it.",
            )
        return path

    def _check_owner(self, key: SeriesKey) -> None:
        path = self.path(key)
        if path.is_file():
            stored = self._info_from_file(path).key
            if stored != key:
                raise ValidationError(
                    f"{path} already holds {stored}, which maps to the same file as {key}.",
                    hint="Symbols that differ only in '/' versus '-' cannot share a venue.",
                )

    @contextlib.contextmanager
    def _lock(self, key: SeriesKey) -> Iterator[None]:
        directory = self.path(key).parent
        if fcntl is None or not directory.is_dir():
            yield
            return
        fd = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, key: SeriesKey, frame: pd.DataFrame) -> SeriesInfo:
        path = self.path(key)
        created = [p for p in (path.parent.parent, path.parent) if not p.exists()]
        if not self.root.exists():
            created.insert(0, self.root)
        table = _frame_to_table(key, frame)
        tmp_name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                pq.write_table(
                    table,
                    handle,
                    compression="lz4",
                    use_dictionary=False,
                    column_encoding={INDEX_NAME: "DELTA_BINARY_PACKED"},
                    row_group_size=_ROW_GROUP,
                )
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
            tmp_name = None
            _fsync_dir(path.parent)
        except BaseException:
            if tmp_name is not None:
                Path(tmp_name).unlink(missing_ok=True)
            for directory in reversed(created):
                with contextlib.suppress(OSError):
                    directory.rmdir()
            raise
        return self._info_from_file(path)

    def _info_from_file(self, path: Path) -> SeriesInfo:
        try:
            schema = pq.read_schema(path)
            meta = json.loads((schema.metadata or {})[_META_KEY])
            timeframe = Timeframe(int(meta["timeframe_seconds"]))
            key = SeriesKey(meta["venue"], meta["symbol"], timeframe)
            rows = int(meta["rows"])
            start, end = meta["start_ns"], meta["end_ns"]
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            raise DataFormatError(
                f"{path} is not a tradegraph catalog file ({exc}).",
                hint="Move foreign files out of the catalog directory, or delete a damaged one.",
            ) from exc
        return SeriesInfo(key, path, rows, _ts(start), _ts(end), path.stat().st_size)


def _merge(existing: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    if len(new) == 0:
        return existing, 0, 0
    if len(existing) == 0 or new.index[0] > existing.index[-1]:
        return pd.concat([existing, new]) if len(existing) else new, len(new), 0
    overlap = new.index.isin(existing.index)
    added = int((~overlap).sum())
    if overlap.any():
        old = existing.loc[new.index[overlap]].to_numpy()
        fresh = new.to_numpy()[overlap]
        same = (old == fresh) | (np.isnan(old) & np.isnan(fresh))
        updated = int((~same.all(axis=1)).sum())
    else:
        updated = 0
    combined = pd.concat([existing, new])
    combined = combined[~combined.index.duplicated(keep="last")].sort_index(kind="stable")
    return combined, added, updated


def _frame_to_table(key: SeriesKey, frame: pd.DataFrame) -> pa.Table:
    ns = times_ns(frame)
    meta = {
        "format": FORMAT_VERSION,
        "venue": key.venue,
        "symbol": key.symbol,
        "timeframe": key.timeframe.code,
        "timeframe_seconds": key.timeframe.seconds,
        "rows": len(frame),
        "start_ns": int(ns[0]) if len(ns) else None,
        "end_ns": int(ns[-1]) if len(ns) else None,
    }
    arrays = [pa.array(ns, type=pa.int64()).cast(_TIME_TYPE)]
    arrays += [pa.array(frame[name].to_numpy(dtype=np.float64)) for name in OHLCV_COLUMNS]
    schema = _SCHEMA.with_metadata({_META_KEY: json.dumps(meta).encode()})
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(table: pa.Table, name: str) -> npt.NDArray[np.float64]:
    chunks = [chunk.to_numpy(zero_copy_only=False) for chunk in table.column(name).chunks]
    if len(chunks) == 1:
        return np.asarray(chunks[0], dtype=np.float64)
    return np.concatenate(chunks)


def _table_to_frame(table: pa.Table) -> pd.DataFrame:
    if table.num_rows == 0:
        return empty_ohlcv()
    times = table.column(INDEX_NAME).combine_chunks().cast(pa.int64())
    return from_arrays(np.asarray(times), [_column(table, name) for name in OHLCV_COLUMNS])


__all__ = ["FORMAT_VERSION", "AppendResult", "Catalog", "SeriesInfo"]
