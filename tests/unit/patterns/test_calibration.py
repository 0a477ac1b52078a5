"""Rolling calibration by hand: outcomes counted only once known, window and bins."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.patterns import CalibrationConfig, calibrate, reliability_table

N = 12
RISING = 100.0 + np.arange(N, dtype=float)


def test_hit_rate_counts_only_outcomes_known_by_each_bar() -> None:
    cfg = CalibrationConfig(horizon=2, window=100, bins=5, prior_strength=2.0)
    r = calibrate(np.full(N, 0.5), RISING, cfg)
    # at bar t the outcomes of bars 0..t−2 are known, all hits: p = (k + 1) / (k + 2)
    k = np.maximum(np.arange(N) - 1, 0)
    np.testing.assert_allclose(r.probability, (k + 1) / (k + 2))
    np.testing.assert_array_equal(r.samples, k)
    np.testing.assert_allclose(r.calibrated_score, 2 * (k + 1) / (k + 2) - 1)


def test_window_keeps_only_the_most_recent_resolved_bars() -> None:
    cfg = CalibrationConfig(horizon=2, window=3, bins=5, prior_strength=2.0)
    r = calibrate(np.full(N, 0.5), RISING, cfg)
    k = np.minimum(np.maximum(np.arange(N) - 1, 0), 3)
    np.testing.assert_array_equal(r.samples, k)


def test_signals_that_keep_failing_get_a_negative_calibrated_score() -> None:
    cfg = CalibrationConfig(horizon=1, window=100, prior_strength=0.0)
    r = calibrate(np.full(N, 0.7), RISING[::-1].copy(), cfg)  # price falls: longs fail
    assert r.probability[0] == 0.5  # no samples and no prior
    np.testing.assert_allclose(r.probability[1:], 0.0)
    np.testing.assert_allclose(r.calibrated_score[1:], -1.0)


def test_bins_separate_weak_and_strong_scores_and_directions_count_as_hits() -> None:
    score = np.where(np.arange(N) % 2 == 0, 0.1, -0.9)  # weak longs, strong shorts
    close = RISING.copy()
    cfg = CalibrationConfig(horizon=1, window=100, bins=2, prior_strength=0.0)
    r = calibrate(score, close, cfg)
    # weak longs on a rising path always hit; strong shorts always miss
    assert r.probability[10] == 1.0 and r.calibrated_score[10] == 1.0
    assert r.probability[11] == 0.0 and r.calibrated_score[11] == 1.0  # short, wrong → +1
    table = reliability_table(score, close, cfg, as_of=11)
    assert [(b.lower, b.upper, b.samples, b.hits) for b in table] == [
        (0.0, 0.5, 6, 6),  # bars 0, 2, ..., 10 resolved by bar 11
        (0.5, 1.0, 5, 0),  # bars 1, 3, ..., 9
    ]


def test_nan_and_zero_scores() -> None:
    score = np.array([math.nan, 0.0, 0.5, 0.5])
    r = calibrate(score, RISING[:4], CalibrationConfig(horizon=1))
    assert math.isnan(r.probability[0]) and math.isnan(r.calibrated_score[0])
    assert (r.probability[1], r.calibrated_score[1]) == (0.5, 0.0)
    assert r.samples[3] == 1  # bars 0 and 1 are not samples; bar 2's outcome is known at 3


def test_scores_outside_the_unit_interval_are_rejected() -> None:
    with pytest.raises(ValidationError, match=r"\[-1, 1\]"):
        calibrate(np.array([2.0]), np.array([1.0]))
