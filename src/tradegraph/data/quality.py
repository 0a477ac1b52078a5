"""Data-quality checks: a report of findings, never an exception.

``check_quality(frame, timeframe, clock=...)`` looks at a (possibly still messy) bar frame
and lists what it finds: gaps against the timeframe, off-grid times, duplicates,
out-of-order times, NaNs, OHLC inconsistencies, non-positive prices, negative volume,
long zero-volume runs, outlier returns and bars that lie in the future of the clock.

Findings that make the data wrong for backtesting are ``error``; findings that are normal
for some markets (weekend gaps, quiet zero-volume hours, a flash crash) are ``warning``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import PRICE_COLUMNS, normalize_ohlcv, times_ns
from tradegraph.data.grid import on_grid
from tradegraph.model.timeframe import Timeframe

_MEAN_ABS_TO_SIGMA = float(np.sqrt(np.pi / 2))  # sigma / E|x| for a normal distribution
_SCALE_FLOOR = 0.25  # local volatility never counts as less than this share of the overall


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class IssueKind(StrEnum):
    GAP = "gap"
    OFF_GRID = "off_grid"
    DUPLICATE = "duplicate"
    NON_MONOTONIC = "non_monotonic"
    NAN = "nan"
    OHLC_INCONSISTENT = "ohlc_inconsistent"
    NON_POSITIVE_PRICE = "non_positive_price"
    NEGATIVE_VOLUME = "negative_volume"
    ZERO_VOLUME_RUN = "zero_volume_run"
    OUTLIER_RETURN = "outlier_return"
    FUTURE_TIMESTAMP = "future_timestamp"
    INCOMPLETE_BAR = "incomplete_bar"


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Thresholds of the quality check."""

    zero_volume_run: int = 10
    """Report runs of at least this many consecutive zero-volume bars."""
    outlier_sigmas: float = 10.0
    """Report close-to-close log returns this many sigmas of the recent volatility away."""
    outlier_window: int = 100
    """Span (bars) of the exponentially weighted volatility estimate for outliers."""
    max_examples: int = 5
    """How many example times each finding carries."""

    def __post_init__(self) -> None:
        if (
            self.zero_volume_run < 1
            or self.outlier_sigmas <= 0
            or self.outlier_window < 2
            or self.max_examples < 0
        ):
            raise ValidationError(
                f"Invalid QualityConfig {self!r}.",
                hint="zero_volume_run >= 1, outlier_sigmas > 0, outlier_window >= 2, "
                "max_examples >= 0.",
            )


@dataclass(frozen=True, slots=True)
class QualityIssue:
    """One kind of finding: how often it occurs and where (the first few bar times)."""

    kind: IssueKind
    severity: Severity
    count: int
    message: str
    examples: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Everything the check found in one series."""

    timeframe: Timeframe
    rows: int
    start: datetime | None
    end: datetime | None
    checked_at: datetime
    issues: tuple[QualityIssue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when there is no error-severity finding (warnings are allowed)."""
        return not self.errors

    @property
    def errors(self) -> tuple[QualityIssue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[QualityIssue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    def issue(self, kind: IssueKind) -> QualityIssue | None:
        """The finding of ``kind``, if any."""
        return next((i for i in self.issues if i.kind is kind), None)

    def kinds(self) -> frozenset[IssueKind]:
        return frozenset(i.kind for i in self.issues)


def _times(
    index: pd.DatetimeIndex, positions: npt.NDArray[np.intp], limit: int
) -> tuple[datetime, ...]:
    return tuple(index[int(p)].to_pydatetime() for p in positions[:limit])


class _Findings:
    def __init__(self, index: pd.DatetimeIndex, config: QualityConfig) -> None:
        self.index = index
        self.config = config
        self.items: list[QualityIssue] = []

    def add(
        self,
        kind: IssueKind,
        severity: Severity,
        mask_or_positions: npt.NDArray[np.bool_] | npt.NDArray[np.intp],
        message: str,
        *,
        count: int | None = None,
    ) -> None:
        positions: npt.NDArray[np.intp] = (
            np.flatnonzero(mask_or_positions)
            if mask_or_positions.dtype == np.bool_
            else np.asarray(mask_or_positions, dtype=np.intp)
        )
        n = len(positions) if count is None else count
        if n == 0:
            return
        examples = _times(self.index, positions, self.config.max_examples)
        self.items.append(QualityIssue(kind, severity, n, message, examples))


def _order_checks(findings: _Findings, ns: npt.NDArray[np.int64]) -> None:
    backwards = np.flatnonzero(np.diff(ns) < 0) + 1
    findings.add(
        IssueKind.NON_MONOTONIC,
        Severity.ERROR,
        backwards,
        f"{len(backwards)} bar(s) come earlier than the bar before them.",
    )
    duplicated = pd.Index(ns).duplicated(keep="first")
    findings.add(
        IssueKind.DUPLICATE,
        Severity.ERROR,
        np.asarray(duplicated, dtype=np.bool_),
        f"{int(duplicated.sum())} bar(s) repeat a time already seen.",
    )


def _gap_checks(findings: _Findings, index: pd.DatetimeIndex, timeframe: Timeframe) -> None:
    ns = np.asarray(index.asi8, dtype=np.int64)
    off = ~on_grid(ns, timeframe)
    findings.add(
        IssueKind.OFF_GRID,
        Severity.WARNING,
        off,
        f"{int(off.sum())} bar time(s) are not on the {timeframe} grid.",
    )
    step = timeframe.nanoseconds
    diffs = np.diff(ns)
    gap_after = np.flatnonzero(diffs > step)
    if len(gap_after):
        missing = int(np.sum(diffs[gap_after] // step - 1))
        missing += int(np.sum(diffs[gap_after] % step > 0))
        largest = int(gap_after[np.argmax(diffs[gap_after])])
        span = pd.Timedelta(int(diffs[largest]), unit="ns")
        findings.add(
            IssueKind.GAP,
            Severity.WARNING,
            gap_after,
            f"{len(gap_after)} gap(s), about {missing} missing {timeframe} bar(s); the largest "
            f"is {span} after {index[largest].isoformat()}.",
        )


def _value_checks(findings: _Findings, frame: pd.DataFrame, config: QualityConfig) -> None:
    values = {c: frame[c].to_numpy() for c in frame.columns}
    nan_mask = np.zeros(len(frame), dtype=np.bool_)
    per_column = []
    for column, array in values.items():
        column_nan = np.isnan(array)
        if column_nan.any():
            per_column.append(f"{column}: {int(column_nan.sum())}")
        nan_mask |= column_nan
    findings.add(
        IssueKind.NAN,
        Severity.ERROR,
        nan_mask,
        f"{int(nan_mask.sum())} bar(s) have NaN values ({', '.join(per_column)}).",
    )
    o, h, low, c = (values[name] for name in PRICE_COLUMNS)
    with np.errstate(invalid="ignore"):
        inconsistent = (h < np.maximum(o, c)) | (low > np.minimum(o, c)) | (h < low)
        non_positive = (o <= 0) | (h <= 0) | (low <= 0) | (c <= 0)
        negative_volume = values["volume"] < 0
    findings.add(
        IssueKind.OHLC_INCONSISTENT,
        Severity.ERROR,
        inconsistent,
        f"{int(inconsistent.sum())} bar(s) have a high below open/close or a low above them.",
    )
    findings.add(
        IssueKind.NON_POSITIVE_PRICE,
        Severity.ERROR,
        non_positive,
        f"{int(non_positive.sum())} bar(s) have a price of zero or less.",
    )
    findings.add(
        IssueKind.NEGATIVE_VOLUME,
        Severity.ERROR,
        negative_volume,
        f"{int(negative_volume.sum())} bar(s) have negative volume.",
    )
    _zero_volume_runs(findings, values["volume"], config)
    _outliers(findings, c, config)


def _zero_volume_runs(
    findings: _Findings, volume: npt.NDArray[np.float64], config: QualityConfig
) -> None:
    zero = np.concatenate(([False], volume == 0, [False]))
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    long_runs = lengths >= config.zero_volume_run
    if long_runs.any():
        findings.add(
            IssueKind.ZERO_VOLUME_RUN,
            Severity.WARNING,
            starts[long_runs],
            f"{int(long_runs.sum())} run(s) of {config.zero_volume_run} or more zero-volume "
            f"bars; the longest is {int(lengths.max())} bars.",
        )


def _outliers(findings: _Findings, close: npt.NDArray[np.float64], config: QualityConfig) -> None:
    """Returns far outside the *local* volatility (so volatility clusters are not outliers)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        returns = np.diff(np.log(close))
    usable = np.isfinite(returns)
    if usable.sum() < 10:
        return
    median = float(np.median(returns[usable]))
    deviation = np.where(usable, np.abs(returns - median), np.nan)
    overall = 1.4826 * float(np.nanmedian(deviation))
    if overall == 0.0:
        overall = float(np.nanstd(deviation))
    if overall == 0.0:
        return
    # EWMA of the absolute deviation of the bars *before* each bar, as a sigma estimate.
    local = (
        pd.Series(deviation)
        .ewm(span=config.outlier_window, min_periods=min(20, config.outlier_window))
        .mean()
        .shift(1)
        .to_numpy()
        * _MEAN_ABS_TO_SIGMA
    )
    scale = np.fmax(np.where(np.isnan(local), overall, local), _SCALE_FLOOR * overall)
    with np.errstate(invalid="ignore"):
        outlier = usable & (deviation > config.outlier_sigmas * scale)
    positions = np.flatnonzero(outlier) + 1
    if len(positions):
        worst = positions[np.argmax(np.abs(returns[positions - 1]))]
        findings.add(
            IssueKind.OUTLIER_RETURN,
            Severity.WARNING,
            positions,
            f"{len(positions)} close-to-close return(s) beyond {config.outlier_sigmas:g} sigmas "
            f"of the recent volatility; the largest is {np.expm1(returns[worst - 1]):+.2%} at "
            f"{findings.index[int(worst)].isoformat()}.",
        )


def _clock_checks(
    findings: _Findings, ns: npt.NDArray[np.int64], timeframe: Timeframe, now_ns: int
) -> None:
    future = ns > now_ns
    findings.add(
        IssueKind.FUTURE_TIMESTAMP,
        Severity.ERROR,
        future,
        f"{int(future.sum())} bar(s) open after the current time.",
    )
    forming = (ns <= now_ns) & (ns + timeframe.nanoseconds > now_ns)
    findings.add(
        IssueKind.INCOMPLETE_BAR,
        Severity.WARNING,
        forming,
        f"{int(forming.sum())} bar(s) have not closed yet; their values may still change.",
    )


def check_quality(
    data: object,
    timeframe: Timeframe,
    *,
    clock: Clock,
    config: QualityConfig | None = None,
) -> QualityReport:
    """Check ``data`` (anything ``normalize_ohlcv`` accepts) and report every finding."""
    config = config or QualityConfig()
    frame = normalize_ohlcv(data)
    now = clock.now()
    raw = _Findings(pd.DatetimeIndex(frame.index), config)
    _order_checks(raw, times_ns(frame))
    ordered = frame.sort_index(kind="stable")
    unique_index = pd.DatetimeIndex(ordered.index[~ordered.index.duplicated(keep="first")])
    gaps = _Findings(unique_index, config)
    _gap_checks(gaps, unique_index, timeframe)
    findings = _Findings(pd.DatetimeIndex(ordered.index), config)
    _value_checks(findings, ordered, config)
    _clock_checks(findings, times_ns(ordered), timeframe, clock.timestamp_ns())
    issues = tuple(raw.items + gaps.items + findings.items)
    ordered_index = pd.DatetimeIndex(ordered.index)
    return QualityReport(
        timeframe=timeframe,
        rows=len(frame),
        start=ordered_index[0].to_pydatetime() if len(frame) else None,
        end=ordered_index[-1].to_pydatetime() if len(frame) else None,
        checked_at=now,
        issues=tuple(sorted(issues, key=lambda i: (i.severity is not Severity.ERROR,))),
    )


__all__ = [
    "IssueKind",
    "QualityConfig",
    "QualityIssue",
    "QualityReport",
    "Severity",
    "check_quality",
]
