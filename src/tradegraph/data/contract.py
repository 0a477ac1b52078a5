"""The OHLCV frame contract, and the one function that turns accepted inputs into it.

A contract frame (an "OHLCV frame") is a ``pandas.DataFrame`` with

- a ``DatetimeIndex`` named ``time`` of dtype ``datetime64[ns, UTC]`` holding bar *open*
  times, strictly increasing (so no duplicates);
- exactly the columns ``open, high, low, close, volume``, in that order, all ``float64``.

Values are not judged here (a NaN or an inverted high/low is a data-quality finding, see
``tradegraph.data.quality``); only shape, types and time order are.

``to_ohlcv`` accepts a DataFrame (a datetime index, or a time column, with the price
columns named in any case), a mapping of column name to values, or rows of
``[time, open, high, low, close, volume]`` (the shape ccxt and most REST APIs return).
Times may be datetimes (naive ones are taken as UTC) or epoch numbers in seconds,
milliseconds, microseconds or nanoseconds (the unit is inferred from the magnitude).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.errors import DataFormatError

OHLCV_COLUMNS: Final = ("open", "high", "low", "close", "volume")
PRICE_COLUMNS: Final = ("open", "high", "low", "close")
INDEX_NAME: Final = "time"
INDEX_DTYPE: Final = "datetime64[ns, UTC]"

#: Column names recognised as the bar time, in order of preference.
TIME_ALIASES: Final = (
    "time",
    "timestamp",
    "open_time",
    "opentime",
    "open time",
    "unix",
    "datetime",
    "date_time",
    "date",
    "ts",
)
COLUMN_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c"),
    "volume": ("volume", "vol", "v", "tickvol", "tick_volume"),
}

DuplicatePolicy = Literal["raise", "drop_identical", "keep_last"]

# Epoch magnitudes: below 1e11 is seconds (up to year 5138), then ms, us, ns.
_EPOCH_LIMITS: Final = ((1e11, 1_000_000_000), (1e14, 1_000_000), (1e17, 1_000), (np.inf, 1))


def _key(name: object) -> str:
    return str(name).strip().strip("<>").strip().lower()


def find_column(columns: Sequence[object], aliases: Sequence[str]) -> object | None:
    """The first column whose case-insensitive name is one of ``aliases`` (in alias order)."""
    by_key: dict[str, object] = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    for alias in aliases:
        if alias in by_key:
            return by_key[alias]
    return None


def epoch_to_ns(values: npt.ArrayLike, *, what: str = "time") -> npt.NDArray[np.int64]:
    """Epoch numbers in s/ms/us/ns (inferred from the largest magnitude) to int64 ns."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(array).all():
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise DataFormatError(
            f"{what}: row {bad} has no usable epoch timestamp ({array[bad]!r}).",
            hint="Every bar needs a time; remove rows without one.",
        )
    magnitude = float(np.abs(array).max())
    factor = next(f for limit, f in _EPOCH_LIMITS if magnitude < limit)
    if factor == 1:
        return np.asarray(values, dtype=np.int64)
    ints = np.asarray(values)
    if np.issubdtype(ints.dtype, np.integer):
        return ints.astype(np.int64) * np.int64(factor)
    return np.round(array * factor).astype(np.int64)


def to_utc_index(values: object, *, what: str = "time") -> pd.DatetimeIndex:
    """Datetimes or epoch numbers to a ``datetime64[ns, UTC]`` index (naive means UTC)."""
    if isinstance(values, pd.DatetimeIndex):
        index = values
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
        if (
            not pd.api.types.is_numeric_dtype(series.dtype)
            and not isinstance(series.dtype, pd.DatetimeTZDtype)
            and not pd.api.types.is_datetime64_dtype(series.dtype)
        ):
            numbers = pd.to_numeric(series, errors="coerce")
            if bool(numbers.notna().all()) and len(series) > 0:
                series = numbers
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            ns = epoch_to_ns(series.to_numpy(), what=what)
            return pd.DatetimeIndex(ns.view("datetime64[ns]"), name=INDEX_NAME).tz_localize("UTC")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(series, utc=True, format="ISO8601"))
        except (ValueError, TypeError) as exc:
            raise DataFormatError(
                f"{what}: cannot read the values as timestamps ({exc}).",
                hint="Use ISO 8601 times (2024-01-31T13:00:00Z) or epoch numbers.",
            ) from exc
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return pd.DatetimeIndex(index.as_unit("ns"), name=INDEX_NAME)


def _as_frame(data: object, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        return pd.DataFrame(dict(data))
    if isinstance(data, np.ndarray) or (
        isinstance(data, Sequence) and not isinstance(data, str | bytes)
    ):
        rows = np.asarray(data, dtype=object)
        if rows.size == 0:
            return pd.DataFrame({name: [] for name in (INDEX_NAME, *OHLCV_COLUMNS)})
        if rows.ndim != 2 or rows.shape[1] < 6:
            raise DataFormatError(
                f"{what}: rows must be [time, open, high, low, close, volume], "
                f"got an array of shape {rows.shape}.",
                hint="Pass a DataFrame or rows of six values (the ccxt OHLCV shape).",
            )
        return pd.DataFrame(rows[:, :6], columns=[INDEX_NAME, *OHLCV_COLUMNS])
    raise DataFormatError(
        f"{what}: cannot make OHLCV bars from a {type(data).__name__}.",
        hint="Pass a DataFrame, a mapping of columns, or rows [time, o, h, l, c, v].",
    )


def _numeric(column: pd.Series, name: str, what: str) -> npt.NDArray[np.float64]:
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    converted = pd.to_numeric(column, errors="coerce")
    bad = converted.isna() & column.notna()
    if bool(bad.any()):
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(
            f"{what}: column '{name}' row {position} holds {column.iloc[position]!r}, "
            "which is not a number.",
            hint="Prices and volume must be plain numbers.",
        )
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


def normalize_ohlcv(
    data: object, *, what: str = "data", fill_missing_volume: bool = False
) -> pd.DataFrame:
    """Columns, dtypes and UTC index of the contract, *without* enforcing time order.

    Use this for frames that may still hold duplicates or unsorted rows (the quality
    check reports those); use ``to_ohlcv`` for everything else.
    """
    frame = _as_frame(data, what)
    columns = list(frame.columns)
    time_column = find_column(columns, TIME_ALIASES)
    if isinstance(frame.index, pd.DatetimeIndex):
        times: object = frame.index
    elif time_column is not None:
        times = frame[time_column]
    else:
        raise DataFormatError(
            f"{what}: no bar time found (columns: {', '.join(map(str, columns))}).",
            hint="Give the frame a DatetimeIndex or a 'time'/'timestamp'/'date' column.",
        )
    values: dict[str, npt.NDArray[np.float64]] = {}
    for name, aliases in COLUMN_ALIASES.items():
        source = find_column(columns, aliases)
        if source is None:
            if name == "volume" and fill_missing_volume:
                values[name] = np.zeros(len(frame), dtype=np.float64)
                continue
            raise DataFormatError(
                f"{what}: missing the '{name}' column (columns: {', '.join(map(str, columns))}).",
                hint="Name the columns open, high, low, close and volume (any case).",
            )
        values[name] = _numeric(frame[source], name, what)
    index = to_utc_index(times, what=what)
    if index.hasnans:
        position = int(np.flatnonzero(index.isna())[0])
        raise DataFormatError(
            f"{what}: row {position} has no bar time.",
            hint="Every bar needs a time; remove rows without one.",
        )
    return pd.DataFrame(values, index=index, columns=list(OHLCV_COLUMNS), copy=False)


def _dedupe(frame: pd.DataFrame, policy: DuplicatePolicy, what: str) -> pd.DataFrame:
    duplicated = frame.index.duplicated(keep=False)
    if not duplicated.any():
        return frame
    first = frame.index[duplicated][0]
    if policy == "keep_last":
        return frame[~frame.index.duplicated(keep="last")]
    if policy == "drop_identical":
        rows = frame.reset_index()
        conflicting = ~rows.duplicated(keep=False) & duplicated
        if not conflicting.any():
            return frame[~frame.index.duplicated(keep="first")]
        first = frame.index[conflicting][0]
        raise DataFormatError(
            f"{what}: two different bars share the time {first.isoformat()}.",
            hint="Remove one of them; tradegraph cannot tell which is right.",
        )
    raise DataFormatError(
        f"{what}: duplicate bar time {first.isoformat()} "
        f"({int(duplicated.sum())} rows share a time with another row).",
        hint="De-duplicate the bars, or call to_ohlcv(..., duplicates='keep_last').",
    )


def to_ohlcv(
    data: object,
    *,
    what: str = "data",
    sort: bool = False,
    duplicates: DuplicatePolicy = "raise",
    fill_missing_volume: bool = False,
) -> pd.DataFrame:
    """Turn ``data`` into a contract frame, or raise ``DataFormatError`` saying why.

    ``sort`` puts rows in time order instead of refusing unsorted input; ``duplicates``
    decides what happens to repeated times (``raise``; ``drop_identical`` drops exact
    repeats and refuses conflicting ones; ``keep_last`` keeps the last occurrence).
    """
    frame = normalize_ohlcv(data, what=what, fill_missing_volume=fill_missing_volume)
    if not frame.index.is_monotonic_increasing:
        if not sort:
            ns = times_ns(frame)
            position = int(np.flatnonzero(np.diff(ns) < 0)[0]) + 1
            raise DataFormatError(
                f"{what}: bar times are not in increasing order "
                f"(row {position} at {frame.index[position].isoformat()} comes after "
                f"{frame.index[position - 1].isoformat()}).",
                hint="Sort the bars by time, or call to_ohlcv(..., sort=True).",
            )
        frame = frame.sort_index(kind="stable")
    return _dedupe(frame, duplicates, what)


def validate_ohlcv(frame: pd.DataFrame, *, what: str = "frame") -> None:
    """Raise ``DataFormatError`` unless ``frame`` already satisfies the contract exactly."""
    problems: list[str] = []
    if tuple(frame.columns) != OHLCV_COLUMNS:
        problems.append(f"columns are {list(frame.columns)}, expected {list(OHLCV_COLUMNS)}")
    elif any(frame[c].dtype != np.float64 for c in OHLCV_COLUMNS):
        problems.append("all columns must be float64")
    if not isinstance(frame.index, pd.DatetimeIndex) or str(frame.index.dtype) != INDEX_DTYPE:
        problems.append(f"index must be {INDEX_DTYPE}, got {frame.index.dtype}")
    elif not (frame.index.is_monotonic_increasing and frame.index.is_unique):
        problems.append("index must be strictly increasing")
    if problems:
        raise DataFormatError(
            f"{what} is not an OHLCV frame: " + "; ".join(problems) + ".",
            hint="Build it with tradegraph.data.to_ohlcv(...).",
        )


def is_ohlcv(frame: object) -> bool:
    """True when ``frame`` satisfies the contract exactly."""
    if not isinstance(frame, pd.DataFrame):
        return False
    try:
        validate_ohlcv(frame)
    except DataFormatError:
        return False
    return True


def empty_ohlcv() -> pd.DataFrame:
    """A contract frame with no bars."""
    index = pd.DatetimeIndex(np.zeros(0, dtype="datetime64[ns]"), name=INDEX_NAME)
    return pd.DataFrame(
        {name: np.zeros(0, dtype=np.float64) for name in OHLCV_COLUMNS},
        index=index.tz_localize("UTC"),
    )


def from_arrays(times_ns: npt.NDArray[np.int64], columns: Sequence[npt.ArrayLike]) -> pd.DataFrame:
    """A contract frame from sorted epoch-ns times and the five columns in contract order."""
    if len(columns) != len(OHLCV_COLUMNS):
        raise DataFormatError(
            f"from_arrays needs {len(OHLCV_COLUMNS)} columns, got {len(columns)}.",
            hint="Pass open, high, low, close and volume arrays in that order.",
        )
    index = pd.DatetimeIndex(
        np.asarray(times_ns, dtype=np.int64).view("datetime64[ns]"), name=INDEX_NAME
    ).tz_localize("UTC")
    return pd.DataFrame(
        {
            name: np.asarray(values, dtype=np.float64)
            for name, values in zip(OHLCV_COLUMNS, columns, strict=True)
        },
        index=index,
        copy=False,
    )


def times_ns(frame: pd.DataFrame | pd.Series) -> npt.NDArray[np.int64]:
    """The bar open times of a contract frame as int64 epoch nanoseconds (no copy)."""
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataFormatError(
            f"Expected a DatetimeIndex, got {type(index).__name__}.",
            hint="Build the frame with tradegraph.data.to_ohlcv(...).",
        )
    return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)


__all__ = [
    "COLUMN_ALIASES",
    "INDEX_DTYPE",
    "INDEX_NAME",
    "OHLCV_COLUMNS",
    "PRICE_COLUMNS",
    "TIME_ALIASES",
    "DuplicatePolicy",
    "empty_ohlcv",
    "epoch_to_ns",
    "find_column",
    "from_arrays",
    "is_ohlcv",
    "normalize_ohlcv",
    "times_ns",
    "to_ohlcv",
    "to_utc_index",
    "validate_ohlcv",
]
