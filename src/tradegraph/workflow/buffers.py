"""Growable per-output histories for step mode.

A :class:`Store` keeps the history of one node output. On the base timeframe it holds one
growable buffer per field of the port type's layout and appends one row per bar (so a
step costs O(1) per output, plus the node's own work); on higher timeframes it holds the
latest whole value. ``version`` changes whenever the stored value changes, which lets
step mode skip nodes whose inputs did not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.ports import PortType
from tradegraph.workflow.values import (
    AnyArray,
    Bars,
    DecisionSeries,
    Levels,
    RegimeSeries,
    Value,
    absent_scalar,
    fields_of,
    length,
)

_F8 = np.dtype(np.float64)
_B = np.dtype(np.bool_)
_I1 = np.dtype(np.int8)
_I8 = np.dtype(np.int64)
_O = np.dtype(object)

LAYOUTS: dict[PortType, tuple[tuple[str, np.dtype[Any]], ...]] = {
    PortType.SERIES: (("", _F8),),
    PortType.SIGNAL: (("", _B),),
    PortType.TEXT: (("", _O),),
    PortType.BARS: (
        ("time_ns", _I8),
        ("open", _F8),
        ("high", _F8),
        ("low", _F8),
        ("close", _F8),
        ("volume", _F8),
    ),
    PortType.LEVELS: (("support", _F8), ("resistance", _F8)),
    PortType.REGIME: (
        ("trend", _I1),
        ("volatility", _I1),
        ("trend_score", _F8),
        ("adx", _F8),
        ("volatility_ratio", _F8),
        ("valid", _B),
    ),
    PortType.DECISION: (
        ("direction", _I1),
        ("exit", _B),
        ("entry", _F8),
        ("stop", _F8),
        ("target", _F8),
        ("confidence", _F8),
        ("reasoning", _O),
    ),
}


def build_value(kind: PortType, arrays: Mapping[str, AnyArray], timeframe: Timeframe) -> Value:
    """A value of port type ``kind`` made of its layout's arrays."""
    a: dict[str, Any] = dict(arrays)
    if kind in (PortType.SERIES, PortType.SIGNAL, PortType.TEXT):
        value: AnyArray = a[""]
        return value
    if kind is PortType.BARS:
        return Bars(timeframe, **a)
    if kind is PortType.LEVELS:
        return Levels(**a)
    if kind is PortType.REGIME:
        return RegimeSeries(**a)
    return DecisionSeries(**a)


class Buffer:
    """A growable 1-D array; ``view()`` is the filled prefix (no copy)."""

    __slots__ = ("_data", "_n")

    def __init__(self, dtype: np.dtype[Any], capacity: int = 256) -> None:
        self._data: AnyArray = np.empty(capacity, dtype=dtype)
        self._n = 0

    def append(self, value: Any) -> None:
        if self._n == len(self._data):
            grown = np.empty(2 * len(self._data), dtype=self._data.dtype)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n] = value
        self._n += 1

    def view(self) -> AnyArray:
        return self._data[: self._n]

    def __len__(self) -> int:
        return self._n


class Store:
    """The history of one node output (see the module docstring)."""

    __slots__ = ("_buffers", "_cached", "_value", "base", "kind", "timeframe", "version")

    def __init__(self, kind: PortType, timeframe: Timeframe, *, base: bool) -> None:
        self.kind = kind
        self.timeframe = timeframe
        self.base = base
        self.version = 0
        self._buffers = {name: Buffer(dtype) for name, dtype in LAYOUTS[kind]}
        self._cached: Value | None = None
        self._value: Value | None = None

    def _appended(self) -> None:
        self._cached = None
        self.version += 1

    def append_last(self, value: Value) -> None:
        """Append the last bar of ``value`` (base timeframe)."""
        for name, arr in fields_of(value).items():
            self._buffers[name].append(arr[-1])
        self._appended()

    def append_row(self, row: Mapping[str, object]) -> None:
        """Append one bar given field by field (``{"": x}`` for a plain array)."""
        for name, buf in self._buffers.items():
            buf.append(row[name])
        self._appended()

    def append_absent(self) -> None:
        """Append the absent value (NaN, False, 0 or None per field)."""
        for buf in self._buffers.values():
            buf.append(absent_scalar(buf.view().dtype))
        self._appended()

    @property
    def ready(self) -> bool:
        return self._value is not None or (self.base and bool(self._buffers))

    def replace(self, value: Value) -> None:
        """Store a whole value (higher timeframes); the version moves if it grew."""
        if self._value is None or length(value) != length(self._value):
            self.version += 1
        self._value = value

    def has_value(self) -> bool:
        return self._value is not None

    def view(self) -> Value:
        if not self.base:
            assert self._value is not None
            return self._value
        if self._cached is None:
            arrays = {name: buf.view() for name, buf in self._buffers.items()}
            self._cached = build_value(self.kind, arrays, self.timeframe)
        return self._cached


__all__ = ["LAYOUTS", "Buffer", "Store", "build_value"]
