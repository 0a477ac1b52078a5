"""Importing bars from CSV and Parquet files.

``read_ohlcv_file(path, timeframe=...)`` recognises the layout (see ``layouts``), parses
times (ISO 8601 with or without offset, naive meaning UTC; or epoch s/ms/us/ns) and
numbers, and returns a contract frame. Rows in descending or shuffled order are sorted;
exact duplicate rows are dropped; anything malformed raises ``DataFormatError`` naming the
file, line and column, so nothing half-read ever reaches the catalog.

Daily and weekly bars whose ISO times carry a UTC offset (TradingView exports in exchange
time, ``2024-03-11T00:00:00-04:00``) are labelled by their local calendar date.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from tradegraph.core.errors import DataFormatError
from tradegraph.data.contract import (
    COLUMN_ALIASES,
    INDEX_NAME,
    OHLCV_COLUMNS,
    TIME_ALIASES,
    epoch_to_ns,
    find_column,
    times_ns,
)
from tradegraph.data.sources.layouts import CsvLayout, Layout, detect_layout
from tradegraph.model.timeframe import Timeframe

_OFFSET_SUFFIX: Final = r"(?:Z|[+-]\d{2}:?\d{2})$"
_PARQUET_SUFFIXES: Final = (".parquet", ".pq")


@dataclass(frozen=True, slots=True, eq=False)
class ImportedFile:
    """A file read into a contract frame, with what the importer had to do to it."""

    path: Path
    layout: Layout
    frame: pd.DataFrame
    rows_read: int
    duplicates_dropped: int
    notes: tuple[str, ...]


class _Locator:
    """Maps a data-row position (pandas row) to a file line number, lazily."""

    def __init__(self, path: Path, layout: CsvLayout | None) -> None:
        self.path = path
        self.layout = layout
        self._lines: list[int] | None = None

    def row(self, row: int) -> str:
        """``line 7`` (CSV) or ``row 6`` (Parquet) of a data-row position."""
        if self.layout is None:
            return f"row {row + 1}"
        if self._lines is None:
            self._lines = self._scan()
        line = self._lines[row] if row < len(self._lines) else row + self.layout.first_data_line
        return f"line {line}"

    def where(self, row: int, column: int | str) -> str:
        if self.layout is None or not isinstance(column, int):
            return f"{self.path}, {self.row(row)}, column {column!r}"
        return f"{self.path}, {self.row(row)}, {self.layout.column_label(column)}"

    def _scan(self) -> list[int]:
        assert self.layout is not None
        lines: list[int] = []
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            first = self.layout.first_data_line
            for number, text in enumerate(itertools.islice(handle, first - 1, None), first):
                if text.strip():
                    lines.append(number)
        return lines


def _error(where: str, problem: str, hint: str) -> DataFormatError:
    return DataFormatError(f"{where}: {problem}", hint=hint)


def _field_count_problem(path: Path, layout: CsvLayout) -> DataFormatError | None:
    expected = len(layout.header)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(
            itertools.islice(handle, layout.first_data_line - 1, None), delimiter=layout.delimiter
        )
        for row in rows:
            if row and len(row) != expected and any(cell.strip() for cell in row):
                line = layout.first_data_line + rows.line_num - 1
                column = min(len(row), expected) + 1
                return _error(
                    f"{path}, line {line}, column {column}",
                    f"expected {expected} fields, found {len(row)}.",
                    "Every row needs as many fields as the header; check for a stray "
                    "delimiter or a truncated line.",
                )
    return None


def _read_csv(path: Path, layout: CsvLayout) -> pd.DataFrame:
    as_text = dict.fromkeys(layout.time_columns, str) if len(layout.time_columns) > 1 else None
    try:
        return pd.read_csv(
            path,
            sep=layout.delimiter,
            skiprows=layout.skip_lines + (1 if layout.has_header else 0),
            header=None,
            dtype=as_text,
            encoding="utf-8-sig",
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        problem = _field_count_problem(path, layout)
        raise problem or DataFormatError(
            f"{path}: cannot parse the file ({exc}).",
            hint="Check the delimiter and quoting of the file.",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataFormatError(f"{path} has no data rows.", hint="Export some bars.") from exc


def _numeric_column(
    raw: pd.Series, column: int | str, name: str, locator: _Locator
) -> npt.NDArray[np.float64]:
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        cell = raw.iloc[row]
        shown = "an empty cell" if pd.isna(cell) or not str(cell).strip() else repr(cell)
        raise _error(
            locator.where(row, column),
            f"{name} is {shown}, expected a finite number.",
            "Fix or delete that row; prices and volume must be plain numbers without "
            "thousands separators.",
        )
    return values


def _parse_times(
    raw: pd.Series, column: int | str, timeframe: Timeframe | None, locator: _Locator
) -> npt.NDArray[np.int64]:
    missing = raw.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise _error(
            locator.where(row, column), "the bar time is empty.", "Every row needs a time."
        )
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return epoch_to_ns(raw.to_numpy(), what=str(locator.path))
    text = raw.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    if bool(numbers.notna().all()):
        return epoch_to_ns(numbers.to_numpy(), what=str(locator.path))
    if timeframe is not None and timeframe.seconds >= 86_400:
        text = text.str.replace(_OFFSET_SUFFIX, "", regex=True)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    failed = parsed.isna().to_numpy()
    if failed.any():
        row = int(np.flatnonzero(failed)[0])
        raise _error(
            locator.where(row, column),
            f"cannot read {raw.iloc[row]!r} as a time.",
            "Use ISO 8601 (2024-01-31 or 2024-01-31T13:00:00Z; no offset means UTC) or "
            "epoch seconds/milliseconds.",
        )
    return np.asarray(pd.DatetimeIndex(parsed).as_unit("ns").asi8, dtype=np.int64)


def _index(times: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(times.view("datetime64[ns]"), name=INDEX_NAME).tz_localize("UTC")


_Read = tuple[Layout, pd.DataFrame, _Locator, list[str]]
_NO_VOLUME: Final = "the file has no volume column; volume set to 0"


def _from_csv(path: Path, timeframe: Timeframe | None) -> _Read:
    layout = detect_layout(path)
    locator = _Locator(path, layout)
    raw = _read_csv(path, layout)
    if len(layout.time_columns) == 2:
        date_i, clock_i = layout.time_columns
        times_raw = raw[date_i].str.strip() + " " + raw[clock_i].str.strip()
        times_raw = times_raw.str.replace(".", "-", n=2, regex=False)  # MetaTrader 2024.01.31
    else:
        times_raw = raw[layout.time_columns[0]]
    times = _parse_times(times_raw, layout.time_columns[0], timeframe, locator)
    values = {}
    notes = []
    for name, index in layout.value_columns:
        if index is None:
            values[name] = np.zeros(len(raw), dtype=np.float64)
            notes.append(_NO_VOLUME)
        else:
            values[name] = _numeric_column(raw[index], index, name, locator)
    if layout.tick_volume_column is not None and not values["volume"].any():
        index = layout.tick_volume_column
        values["volume"] = _numeric_column(raw[index], index, "volume", locator)
        notes.append(f"the volume column is all zero; using {layout.header[index]!r} instead")
    frame = pd.DataFrame(values, index=_index(times), columns=list(OHLCV_COLUMNS))
    return layout.layout, frame, locator, notes


def _from_parquet(path: Path, timeframe: Timeframe | None) -> _Read:
    locator = _Locator(path, None)
    try:
        raw = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DataFormatError(
            f"{path}: cannot read it as Parquet ({exc}).", hint="Check that the file is Parquet."
        ) from exc
    if isinstance(raw.index, pd.DatetimeIndex):
        raw = raw.reset_index(names="__index_time__")
    columns = list(raw.columns)
    time_column = find_column(columns, ("__index_time__", *TIME_ALIASES))
    if time_column is None:
        raise DataFormatError(
            f"{path}: no time column (columns: {', '.join(map(str, columns))}).",
            hint="Store the bar time as a DatetimeIndex or a 'time'/'timestamp'/'date' column.",
        )
    time_raw = raw[time_column]
    if isinstance(time_raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        time_raw.dtype
    ):
        index = pd.DatetimeIndex(time_raw)
        index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        times = np.asarray(index.as_unit("ns").asi8, dtype=np.int64)
    else:
        times = _parse_times(time_raw, str(time_column), timeframe, locator)
    values = {}
    notes = []
    for name, aliases in COLUMN_ALIASES.items():
        source = find_column(columns, aliases)
        if source is None and name != "volume":
            raise DataFormatError(
                f"{path}: no '{name}' column (columns: {', '.join(map(str, columns))}).",
                hint="Name the columns open, high, low, close and volume (any case).",
            )
        if source is None:
            values[name] = np.zeros(len(raw), dtype=np.float64)
            notes.append(_NO_VOLUME)
        else:
            values[name] = _numeric_column(raw[source], str(source), name, locator)
    frame = pd.DataFrame(values, index=_index(times), columns=list(OHLCV_COLUMNS))
    return Layout.PARQUET, frame, locator, notes


def _order_and_dedupe(
    frame: pd.DataFrame, locator: _Locator, notes: list[str]
) -> tuple[pd.DataFrame, int]:
    ns = times_ns(frame)
    if not frame.index.is_monotonic_increasing:
        descending = bool(np.all(np.diff(ns) <= 0))
        notes.append(
            "rows were in descending time order; sorted"
            if descending
            else "rows were out of time order; sorted"
        )
    order = np.argsort(ns, kind="stable")
    ordered = frame.iloc[order]
    sorted_ns = ns[order]
    same_time = np.flatnonzero(sorted_ns[1:] == sorted_ns[:-1])
    if len(same_time) == 0:
        return ordered, 0
    values = ordered.to_numpy()
    differs = ~np.all(
        (values[same_time] == values[same_time + 1])
        | (np.isnan(values[same_time]) & np.isnan(values[same_time + 1])),
        axis=1,
    )
    if differs.any():
        k = int(same_time[np.flatnonzero(differs)[0]])
        first, second = sorted((int(order[k]), int(order[k + 1])))
        raise _error(
            f"{locator.path}, {locator.row(first)} and {locator.row(second)}",
            f"two different bars share the time {ordered.index[k].isoformat()}.",
            "Remove one of the two rows; tradegraph cannot tell which is right.",
        )
    keep = np.ones(len(ordered), dtype=np.bool_)
    keep[same_time + 1] = False
    dropped = int((~keep).sum())
    notes.append(f"dropped {dropped} exact duplicate row(s)")
    return ordered[keep], dropped


def _check_spacing(frame: pd.DataFrame, timeframe: Timeframe, path: Path) -> None:
    if len(frame) < 2:
        return
    smallest = int(np.diff(times_ns(frame)).min())
    if smallest < 0.9 * timeframe.nanoseconds:
        spacing = pd.Timedelta(smallest, unit="ns")
        raise DataFormatError(
            f"{path}: bars are only {spacing} apart, but the timeframe {timeframe} was given.",
            hint="Import the file with its own timeframe and resample it up with "
            "`tradegraph data resample`.",
        )


def read_ohlcv_file(path: Path | str, *, timeframe: Timeframe | None = None) -> ImportedFile:
    """Read a CSV or Parquet bar file into a contract frame (see the module docstring)."""
    file = Path(path)
    if not file.is_file():
        raise DataFormatError(f"{file} does not exist or is not a file.", hint="Check the path.")
    reader = _from_parquet if file.suffix.lower() in _PARQUET_SUFFIXES else _from_csv
    layout, frame, locator, notes = reader(file, timeframe)
    rows_read = len(frame)
    frame, dropped = _order_and_dedupe(frame, locator, notes)
    if timeframe is not None:
        _check_spacing(frame, timeframe, file)
    return ImportedFile(file, layout, frame, rows_read, dropped, tuple(notes))


class FileSource:
    """``OhlcvSource`` over one file: yields the whole file as one frame."""

    def __init__(self, path: Path | str, *, timeframe: Timeframe | None = None) -> None:
        self.path = Path(path)
        self.timeframe = timeframe

    def frames(self) -> Iterator[pd.DataFrame]:
        yield read_ohlcv_file(self.path, timeframe=self.timeframe).frame


__all__ = ["FileSource", "ImportedFile", "read_ohlcv_file"]
