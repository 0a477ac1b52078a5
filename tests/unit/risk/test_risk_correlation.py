"""Correlation gate inputs: rolling correlation against numpy, the matrix, clusters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.risk import (
    CorrelationMatrix,
    correlated_cluster,
    correlation_matrix,
    log_returns,
    rolling_correlation,
)


def test_rolling_correlation_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=200)
    y = 0.6 * x + rng.normal(size=200)
    out = rolling_correlation(x, y, 30)
    assert np.isnan(out[:29]).all()
    for end in (29, 100, 199):
        expected = np.corrcoef(x[end - 29 : end + 1], y[end - 29 : end + 1])[0, 1]
        assert out[end] == pytest.approx(expected, abs=1e-12)


def test_constant_series_has_no_correlation() -> None:
    out = rolling_correlation(np.ones(10), np.arange(10.0), 5)
    assert np.isnan(out).all()


def test_input_validation() -> None:
    with pytest.raises(ValidationError):
        rolling_correlation(np.ones(5), np.ones(6), 3)
    with pytest.raises(ValidationError):
        rolling_correlation(np.ones(5), np.ones(5), 1)
    with pytest.raises(ValidationError):
        log_returns([1.0, -2.0])


def test_correlation_matrix_and_clusters() -> None:
    base = np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.01, 100))) * 100
    closes = {"A": base, "B": base * 2.0, "C": base[::-1].copy()}
    m = correlation_matrix(closes, window=60)
    assert m.get("A", "B") == pytest.approx(1.0)
    assert m.get("B", "A") == m.get("A", "B")
    assert m.get("A", "A") == 1.0
    assert m.get("A", "Z") is None
    ra, rc = log_returns(base)[-60:], log_returns(base[::-1])[-60:]
    assert m.get("A", "C") == pytest.approx(np.corrcoef(ra, rc)[0, 1], abs=1e-12)
    assert correlated_cluster("A", ["B", "C"], m, 0.7) >= {"A", "B"}
    assert correlated_cluster("A", ["C"], CorrelationMatrix({("A", "C"): -0.9}), 0.7) == {"A", "C"}
    assert correlated_cluster("A", ["C"], CorrelationMatrix({("A", "C"): 0.2}), 0.7) == {"A"}
    static = correlated_cluster("A", [], CorrelationMatrix(), 0.7, [frozenset({"A", "X"})])
    assert static == {"A", "X"}
    with pytest.raises(ValidationError):
        correlation_matrix({"A": base, "B": base[:50]}, window=20)


def test_nan_pairs_are_dropped() -> None:
    assert CorrelationMatrix({("A", "B"): math.nan}).get("A", "B") is None
