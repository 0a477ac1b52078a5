"""Quality report: every kind of finding, counted by hand on tiny frames."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.data.quality import IssueKind, QualityConfig, Severity, check_quality
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe

M1 = Timeframe.parse("1m")
GOOD = (10.0, 11.0, 9.0, 10.5, 100.0)


def test_clean_series_has_no_findings(bars, clock) -> None:
    report = check_quality(bars([GOOD] * 5), M1, clock=clock)
    assert report.issues == ()
    assert report.ok
    assert report.rows == 5
    assert report.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert report.end == datetime(2024, 1, 1, 0, 4, tzinfo=UTC)
    assert report.checked_at == clock.now()


def test_gaps_count_missing_bars(bars, clock) -> None:
    times = ["2024-01-01T00:00Z", "2024-01-01T00:01Z", "2024-01-01T00:05Z", "2024-01-01T00:07Z"]
    report = check_quality(bars([GOOD] * 4, times=times), M1, clock=clock)
    gap = report.issue(IssueKind.GAP)
    assert gap is not None
    assert gap.severity is Severity.WARNING
    assert gap.count == 2  # after 00:01 (3 bars missing) and after 00:05 (1 missing)
    assert "about 4 missing" in gap.message
    assert gap.examples == (
        datetime(2024, 1, 1, 0, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 5, tzinfo=UTC),
    )
    assert report.ok  # gaps are warnings


def test_duplicates_and_out_of_order_times(bars, clock) -> None:
    times = [
        "2024-01-01T00:00Z",
        "2024-01-01T00:02Z",
        "2024-01-01T00:01Z",  # goes backwards
        "2024-01-01T00:02Z",  # repeats 00:02
        "2024-01-01T00:03Z",
    ]
    report = check_quality(bars([GOOD] * 5, times=times), M1, clock=clock)
    backwards = report.issue(IssueKind.NON_MONOTONIC)
    duplicate = report.issue(IssueKind.DUPLICATE)
    assert backwards is not None
    assert backwards.count == 1  # only 00:01 comes after a later time (00:02)
    assert backwards.examples == (datetime(2024, 1, 1, 0, 1, tzinfo=UTC),)
    assert duplicate is not None
    assert duplicate.count == 1
    assert duplicate.examples == (datetime(2024, 1, 1, 0, 2, tzinfo=UTC),)
    assert not report.ok


def test_nan_inconsistent_and_non_positive(bars, clock) -> None:
    rows = [
        GOOD,
        (10.0, 9.5, 9.0, 10.5, 100.0),  # high below close
        (10.0, 11.0, 10.2, 10.5, 100.0),  # low above open
        (float("nan"), 11.0, 9.0, 10.5, 100.0),
        (0.0, 11.0, 0.0, 10.5, 100.0),  # zero open and low
        (10.0, 11.0, 9.0, 10.5, -1.0),  # negative volume
    ]
    report = check_quality(bars(rows), M1, clock=clock)
    counts = {issue.kind: issue.count for issue in report.issues}
    assert counts[IssueKind.OHLC_INCONSISTENT] == 2
    assert counts[IssueKind.NAN] == 1
    assert counts[IssueKind.NON_POSITIVE_PRICE] == 1
    assert counts[IssueKind.NEGATIVE_VOLUME] == 1
    assert "open: 1" in report.issue(IssueKind.NAN).message  # type: ignore[union-attr]
    assert all(issue.severity is Severity.ERROR for issue in report.issues)


def test_zero_volume_runs_respect_threshold(bars, clock) -> None:
    volumes = [5, 0, 0, 0, 7, 0, 0, 0, 0, 0, 3, 0]
    rows = [(10.0, 11.0, 9.0, 10.5, float(v)) for v in volumes]
    report = check_quality(bars(rows), M1, clock=clock, config=QualityConfig(zero_volume_run=3))
    runs = report.issue(IssueKind.ZERO_VOLUME_RUN)
    assert runs is not None
    assert runs.count == 2  # the runs of 3 and 5; the trailing single zero is too short
    assert "longest is 5" in runs.message
    assert runs.examples == (
        datetime(2024, 1, 1, 0, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 5, tzinfo=UTC),
    )
    quiet = check_quality(bars(rows), M1, clock=clock, config=QualityConfig(zero_volume_run=6))
    assert quiet.issue(IssueKind.ZERO_VOLUME_RUN) is None


def test_outlier_return_is_flagged_against_recent_volatility(bars, clock) -> None:
    rng = np.random.default_rng(5)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, 300)))
    closes[200:] *= 1.10  # a 10% jump at bar 200: about 100 sigmas
    rows = [(c, c * 1.001, c * 0.999, c, 1.0) for c in closes]
    rows[200] = (closes[199], closes[200] * 1.001, closes[199] * 0.999, closes[200], 1.0)
    report = check_quality(bars(rows), M1, clock=clock)
    outlier = report.issue(IssueKind.OUTLIER_RETURN)
    assert outlier is not None
    assert outlier.count == 1
    assert outlier.examples == (datetime(2024, 1, 1, 3, 20, tzinfo=UTC),)  # bar 200
    assert f"{closes[200] / closes[199] - 1:+.2%}" in outlier.message


def test_volatility_cluster_alone_is_not_an_outlier(bars, clock) -> None:
    rng = np.random.default_rng(6)
    scale = np.where(np.arange(2000) < 1000, 0.001, 0.01)  # volatility jumps 10x and stays
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 1, 2000) * scale))
    rows = [(c, c * 1.02, c * 0.98, c, 1.0) for c in closes]
    report = check_quality(bars(rows), M1, clock=clock)
    outlier = report.issue(IssueKind.OUTLIER_RETURN)
    # Only the first few bars of the new regime can stand out before the estimate adapts.
    assert outlier is None or outlier.count <= 3


def test_future_and_forming_bars_relative_to_clock(bars) -> None:
    clock = TestClock(datetime(2024, 1, 1, 0, 2, 30, tzinfo=UTC))
    report = check_quality(bars([GOOD] * 5), M1, clock=clock)
    future = report.issue(IssueKind.FUTURE_TIMESTAMP)
    forming = report.issue(IssueKind.INCOMPLETE_BAR)
    assert future is not None
    assert future.count == 2  # 00:03 and 00:04 open after 00:02:30
    assert future.severity is Severity.ERROR
    assert forming is not None
    assert forming.examples == (datetime(2024, 1, 1, 0, 2, tzinfo=UTC),)
    assert not report.ok


def test_off_grid_times(bars, clock) -> None:
    times = ["2024-01-01T00:00Z", "2024-01-01T00:01:30Z", "2024-01-01T00:03Z"]
    report = check_quality(bars([GOOD] * 3, times=times), M1, clock=clock)
    off = report.issue(IssueKind.OFF_GRID)
    assert off is not None
    assert off.count == 1
    assert off.examples == (datetime(2024, 1, 1, 0, 1, 30, tzinfo=UTC),)


def test_examples_are_capped(bars, clock) -> None:
    rows = [(10.0, 9.0, 9.0, 10.5, 1.0)] * 20  # all inconsistent
    report = check_quality(bars(rows), M1, clock=clock, config=QualityConfig(max_examples=2))
    issue = report.issue(IssueKind.OHLC_INCONSISTENT)
    assert issue is not None
    assert issue.count == 20
    assert len(issue.examples) == 2


def test_synthetic_data_is_clean(clock) -> None:
    frame = synthetic_ohlcv("5m", 20_000, seed=11)
    report = check_quality(frame, Timeframe.parse("5m"), clock=clock)
    assert report.ok, report.errors
    assert report.kinds() <= {IssueKind.OUTLIER_RETURN}  # its occasional price gaps


def test_accepts_raw_rows_and_empty(clock) -> None:
    report = check_quality([], M1, clock=clock)
    assert report.rows == 0
    assert report.start is None
    assert report.issues == ()
    raw = pd.DataFrame({"timestamp": [0], "o": [1], "h": [1], "l": [1], "c": [1], "v": [1]})
    assert check_quality(raw, M1, clock=clock).rows == 1


def test_invalid_config() -> None:
    with pytest.raises(ValidationError):
        QualityConfig(zero_volume_run=0)
