"""Recognising the layout of a bar CSV file from its first lines.

Recognised layouts:

- ``generic``: a header with a time column (``Date``, ``Time``, ``Timestamp``, ``Datetime``,
  ``Unix``, ``open_time``...; or separate ``Date`` and ``Time`` columns as MetaTrader
  writes them) and ``Open High Low Close Volume`` in any case (``<OPEN>`` too). Volume may
  be called ``Vol``/``TickVol`` or start with ``Volume`` (``Volume BTC``). A one-field
  preamble line (CryptoDataDownload puts its URL there) is skipped.
- ``tradingview``: a TradingView chart export, ``time,open,high,low,close[,Volume]``
  followed by any indicator columns (which are ignored).
- ``binance``: a data.binance.vision kline file, 12 columns, with or without the
  ``open_time,open,...,ignore`` header.
- ``headerless``: no header, ``time, open, high, low, close, volume`` first.

Delimiters ``,`` ``;`` tab and ``|`` are recognised.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from tradegraph.core.errors import DataFormatError
from tradegraph.data.contract import OHLCV_COLUMNS, TIME_ALIASES

_DELIMITERS: Final = (",", ";", "\t", "|")
_SNIFF_LINES: Final = 50
_BINANCE_HEADER: Final = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
_NUMBER: Final = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_CLOCK: Final = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_ALIASES: Final = {
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "last"),
    "volume": ("volume", "vol", "tickvol", "tick_volume", "real_volume"),
}


class Layout(StrEnum):
    GENERIC = "generic"
    TRADINGVIEW = "tradingview"
    BINANCE = "binance"
    HEADERLESS = "headerless"
    PARQUET = "parquet"


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How to read one CSV file: where the data starts and which column is which."""

    layout: Layout
    delimiter: str
    skip_lines: int
    """Lines before the header (or before the first data line when there is no header)."""
    has_header: bool
    header: tuple[str, ...]
    """Column names as written in the file (positions as strings when there is no header)."""
    time_columns: tuple[int, ...]
    """One column index, or two (a date column and a clock-time column)."""
    value_columns: tuple[tuple[str, int | None], ...]
    """``(open|high|low|close|volume, column index)``; volume may be ``None`` (absent)."""
    tick_volume_column: int | None = None
    """A tick-volume column to use when the volume column is all zero (MetaTrader FX)."""

    @property
    def first_data_line(self) -> int:
        """1-based line number of the first data row."""
        return self.skip_lines + (2 if self.has_header else 1)

    def column_label(self, index: int) -> str:
        """``column 3 ('High')`` for messages."""
        name = self.header[index] if self.has_header else None
        return f"column {index + 1}" + (f" ({name!r})" if name else "")


def _norm(name: str) -> str:
    return name.strip().strip('"').strip().strip("<>").strip().lower()


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter))


def _pick_delimiter(line: str) -> str | None:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] >= 4 else None


def _find(names: list[str], aliases: tuple[str, ...]) -> int | None:
    for alias in aliases:
        if alias in names:
            return names.index(alias)
    return None


def _value_columns(names: list[str], path: Path) -> tuple[tuple[str, int | None], ...]:
    found: list[tuple[str, int | None]] = []
    for name in OHLCV_COLUMNS:
        index = _find(names, _ALIASES[name])
        if index is None and name == "volume":
            index = next((i for i, n in enumerate(names) if n.startswith("volume")), None)
        if index is None and name != "volume":
            raise DataFormatError(
                f"{path}: the header has no '{name}' column (columns: {', '.join(names)}).",
                hint="Name the columns Date/Open/High/Low/Close/Volume (any case), or export "
                "from TradingView or data.binance.vision unchanged.",
            )
        found.append((name, index))
    return tuple(found)


def _time_columns(names: list[str], sample: list[str], path: Path) -> tuple[int, ...]:
    if "date" in names and "time" in names:
        time_index = names.index("time")
        if time_index < len(sample) and _CLOCK.match(sample[time_index].strip()):
            return (names.index("date"), time_index)
    index = _find(names, TIME_ALIASES)
    if index is None:
        raise DataFormatError(
            f"{path}: the header has no time column (columns: {', '.join(names)}).",
            hint="Call the bar time column Date, Time, Timestamp or Datetime.",
        )
    return (index,)


def detect_layout(path: Path) -> CsvLayout:
    """Read the first lines of ``path`` and say how to parse it, or raise ``DataFormatError``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = [handle.readline() for _ in range(_SNIFF_LINES)]
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"{path} is not a UTF-8 text file ({exc.reason} at byte {exc.start}).",
            hint="Pass a CSV file, or a .parquet file for Parquet data.",
        ) from exc
    lines = [line.rstrip("\r\n") for line in lines if line]
    start = next(
        (i for i, line in enumerate(lines) if line.strip() and _pick_delimiter(line)), None
    )
    if start is None:
        raise DataFormatError(
            f"{path} does not look like a bar CSV file: no line with six or more fields "
            f"in the first {_SNIFF_LINES} lines.",
            hint="Expected a header like Date,Open,High,Low,Close,Volume.",
        )
    delimiter = _pick_delimiter(lines[start]) or ","
    fields = _split(lines[start], delimiter)
    if all(_NUMBER.match(f.strip()) for f in fields[:6]):
        kind = Layout.BINANCE if len(fields) == len(_BINANCE_HEADER) else Layout.HEADERLESS
        positions: tuple[tuple[str, int | None], ...] = tuple(
            (name, i) for i, name in enumerate(OHLCV_COLUMNS, start=1)
        )
        return CsvLayout(
            kind, delimiter, start, False, tuple(map(str, range(len(fields)))), (0,), positions
        )
    names = [_norm(f) for f in fields]
    sample = _split(lines[start + 1], delimiter) if start + 1 < len(lines) else []
    values = _value_columns(names, path)
    volume_index = dict(values)["volume"]
    tick = _find(names, ("tickvol", "tick_volume"))
    if tuple(names[: len(_BINANCE_HEADER)]) == _BINANCE_HEADER:
        kind = Layout.BINANCE
    elif names[:5] == ["time", "open", "high", "low", "close"]:
        kind = Layout.TRADINGVIEW
    else:
        kind = Layout.GENERIC
    return CsvLayout(
        kind,
        delimiter,
        start,
        True,
        tuple(f.strip() for f in fields),
        _time_columns(names, sample, path),
        values,
        tick if tick != volume_index else None,
    )


__all__ = ["CsvLayout", "Layout", "detect_layout"]
