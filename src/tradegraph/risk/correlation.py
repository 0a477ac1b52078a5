"""The correlation gate's inputs: rolling return correlations and correlated clusters.

Correlations are computed off the order path (numpy/numba, once per bar or decision) into
a ``CorrelationMatrix`` value of plain floats; the pre-trade check only looks pairs up.
Inputs must be point-in-time: pass closes up to the decision time, aligned on the same
timestamps (same length, last element = latest bar).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import ValidationError
from tradegraph.risk.jit import kernel

F64 = npt.NDArray[np.float64]


def log_returns(closes: npt.ArrayLike) -> F64:
    """Log returns ``ln(c[t] / c[t-1])``; one element shorter than ``closes``."""
    values = np.asarray(closes, dtype=np.float64)
    if values.ndim != 1:
        raise ValidationError(
            f"closes must be one-dimensional, got shape {values.shape}.",
            hint="Pass one instrument's close prices.",
        )
    if values.size and (not np.all(np.isfinite(values)) or np.any(values <= 0)):
        raise ValidationError(
            "closes must be finite and positive to compute returns.",
            hint="Clean the price series (drop or forward-fill gaps) first.",
        )
    return np.diff(np.log(values))


@kernel
def _rolling_corr(x: F64, y: F64, window: int) -> F64:  # pragma: no cover - compiled
    n = x.shape[0]
    out = np.full(n, np.nan)
    for end in range(window - 1, n):
        sx = 0.0
        sy = 0.0
        for i in range(end - window + 1, end + 1):
            sx += x[i]
            sy += y[i]
        mx = sx / window
        my = sy / window
        sxy = 0.0
        sxx = 0.0
        syy = 0.0
        for i in range(end - window + 1, end + 1):
            dx = x[i] - mx
            dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        if sxx > 0.0 and syy > 0.0:
            r = sxy / math.sqrt(sxx * syy)
            out[end] = min(1.0, max(-1.0, r))
    return out


def rolling_correlation(x: npt.ArrayLike, y: npt.ArrayLike, window: int) -> F64:
    """Pearson correlation of ``x`` and ``y`` over a trailing ``window`` at every index.

    The first ``window - 1`` values are NaN, as is any window where a series is constant.
    Two-pass per window (mean first), so it is exact enough for near-constant series.
    """
    a = np.ascontiguousarray(x, dtype=np.float64)
    b = np.ascontiguousarray(y, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValidationError(
            f"rolling_correlation needs two 1-D series of equal length, got {a.shape} "
            f"and {b.shape}.",
            hint="Align both return series on the same timestamps first.",
        )
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise ValidationError(
            f"rolling_correlation window must be an integer >= 2, got {window!r}.",
            hint="Use e.g. 60 returns.",
        )
    return _rolling_corr(a, b, window)


_EMPTY_ROW: Mapping[str, float] = MappingProxyType({})


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True, slots=True)
class CorrelationMatrix:
    """Pairwise return correlations at one moment, looked up by instrument id."""

    pairs: Mapping[tuple[str, str], float] = field(default_factory=lambda: MappingProxyType({}))
    rows: Mapping[str, Mapping[str, float]] = field(init=False, repr=False, compare=False)
    """``rows[a][b]``: the same correlations indexed by instrument, for fast scans."""

    def __post_init__(self) -> None:
        clean: dict[tuple[str, str], float] = {}
        rows: dict[str, dict[str, float]] = {}
        for (a, b), value in self.pairs.items():
            if not math.isnan(value):
                clean[_key(a, b)] = float(value)
                rows.setdefault(a, {})[b] = float(value)
                rows.setdefault(b, {})[a] = float(value)
        object.__setattr__(self, "pairs", MappingProxyType(clean))
        object.__setattr__(self, "rows", MappingProxyType(rows))

    def row(self, a: str) -> Mapping[str, float]:
        """Correlations of ``a`` with every other known instrument (empty when none)."""
        return self.rows.get(a, _EMPTY_ROW)

    def get(self, a: str, b: str) -> float | None:
        """Correlation of ``a`` and ``b`` (1.0 for the same id; None when unknown)."""
        if a == b:
            return 1.0
        return self.pairs.get((a, b) if a <= b else (b, a))

    def __len__(self) -> int:
        return len(self.pairs)


EMPTY_CORRELATIONS = CorrelationMatrix()


def correlation_matrix(closes: Mapping[str, npt.ArrayLike], window: int) -> CorrelationMatrix:
    """Correlations of log returns over the last ``window`` returns of aligned closes."""
    returns = {iid: log_returns(series) for iid, series in closes.items()}
    lengths = {r.shape[0] for r in returns.values()}
    if len(lengths) > 1:
        raise ValidationError(
            f"correlation_matrix needs aligned series of one length, got lengths "
            f"{sorted(lengths)}.",
            hint="Align closes on common timestamps (inner join) before calling.",
        )
    ids = sorted(returns)
    pairs: dict[tuple[str, str], float] = {}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            x, y = returns[a], returns[b]
            if x.shape[0] < window:
                continue
            value = float(rolling_correlation(x[-window:], y[-window:], window)[-1])
            if not math.isnan(value):
                pairs[(a, b)] = value
    return CorrelationMatrix(pairs)


def correlated_cluster(
    instrument_id: str,
    candidates: Iterable[str],
    correlations: CorrelationMatrix,
    threshold: float,
    static_clusters: Iterable[frozenset[str]] = (),
) -> frozenset[str]:
    """``instrument_id`` plus every candidate whose |correlation| with it is >= threshold,
    plus every member of a static cluster that contains it."""
    members = {instrument_id}
    for cluster in static_clusters:
        if instrument_id in cluster:
            members.update(cluster)
    for other in candidates:
        value = correlations.get(instrument_id, other)
        if value is not None and abs(value) >= threshold:
            members.add(other)
    return frozenset(members)


__all__ = [
    "EMPTY_CORRELATIONS",
    "CorrelationMatrix",
    "correlated_cluster",
    "correlation_matrix",
    "log_returns",
    "rolling_correlation",
]
