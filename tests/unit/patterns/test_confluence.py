"""Hand-computed confluence scores, regime weights, timeframe tilt and explanations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe
from tradegraph.patterns import (
    Component,
    ComponentRole,
    ConfluenceConfig,
    RegimeResult,
    RegimeWeight,
    Trend,
    Volatility,
    confluence,
    timeframe_agreement,
)

NAN = math.nan


def hand_regime(trend: list[int], vol: list[int], ratio: list[float]) -> RegimeResult:
    n = len(trend)
    return RegimeResult(
        trend=np.array(trend, np.int8),
        volatility=np.array(vol, np.int8),
        trend_score=np.zeros(n),
        adx=np.zeros(n),
        volatility_ratio=np.array(ratio, float),
        valid=np.ones(n, bool),
    )


def test_weighted_score_confidence_and_coverage() -> None:
    a = Component("a", np.array([0.5, -1.0, NAN]), weight=2.0)
    b = Component("b", np.array([1.0, 0.5, 0.2]))
    r = confluence([a, b])
    np.testing.assert_allclose(r.score, [2 / 3, -1.5 / 3, 0.2])
    np.testing.assert_allclose(r.coverage, [1.0, 1.0, 1 / 3])
    # consensus |Σwv| / Σw|v|: 1, 1.5 / 2.5, 1
    np.testing.assert_allclose(r.confidence, [1.0, 0.6, 1 / 3])


def test_explain_lists_contributions_that_add_up_to_the_score() -> None:
    a = Component("a", np.array([0.5, -1.0, NAN]), weight=2.0)
    b = Component("b", np.array([1.0, 0.5, 0.2]))
    r = confluence([a, b])
    parts = r.explain(1)
    assert [p.name for p in parts] == ["a", "b"]
    assert [p.share for p in parts] == pytest.approx([2 / 3, 1 / 3])
    assert [p.contribution for p in parts] == pytest.approx([-2 / 3, 1 / 6])
    assert sum(p.contribution for p in parts) == pytest.approx(r.score[1])
    missing, present = r.explain(2)
    assert (missing.available, missing.contribution, missing.share) == (False, 0.0, 0.0)
    assert (present.share, present.contribution) == (1.0, pytest.approx(0.2))
    with pytest.raises(ValidationError, match="outside the 3 bars"):
        r.explain(3)


def test_default_regime_table_favours_trend_evidence_in_trends() -> None:
    trend = Component("ma_cross", np.ones(3), role=ComponentRole.TREND)
    reversal = Component("rsi_extreme", -np.ones(3), role=ComponentRole.REVERSAL)
    regime = hand_regime([1, 0, -1], [0, 0, 0], [1.0, 1.0, 1.0])
    r = confluence([trend, reversal], regime)
    # bull/bear: 1.5 vs 0.5 → (1.5 − 0.5) / 2; sideways: 0.5 vs 1.5
    np.testing.assert_allclose(r.score, [0.5, -0.5, 0.5])
    np.testing.assert_allclose(r.confidence, [0.5, 0.5, 0.5])
    assert [p.weight for p in r.explain(1)] == [0.5, 1.5]
    # without a regime only the base weights count
    np.testing.assert_allclose(confluence([trend, reversal]).score, [0.0, 0.0, 0.0])


def test_rule_by_component_name_and_volatility() -> None:
    x = Component("x", np.ones(2))
    y = Component("y", -np.ones(2) * 0.5)
    cfg = ConfluenceConfig(
        regime_weights=(RegimeWeight(0.0, component="x", volatility=Volatility.HIGH),)
    )
    r = confluence([x, y], hand_regime([0, 0], [0, 1], [1.0, 1.0]), cfg)
    np.testing.assert_allclose(r.score, [0.25, -0.5])
    np.testing.assert_allclose(r.coverage, [1.0, 1.0])  # muted by the table, not missing
    assert r.explain(1)[0].weight == 0.0


def test_higher_timeframes_weigh_more_when_volatility_is_high() -> None:
    base = Component("base", np.ones(3))
    higher = Component("h4", -np.ones(3), timeframe=Timeframe.parse("4h"))
    regime = hand_regime([0, 0, 0], [0, 1, 0], [1.0, 2.0, 0.5])
    r = confluence([base, higher], regime, ConfluenceConfig(timeframe_tilt=0.5))
    w_low = 1.5**-0.5
    np.testing.assert_allclose(r.score, [0.0, (1 - 1.5) / 2.5, (1 - w_low) / (1 + w_low)])
    flat = confluence([base, higher], regime, ConfluenceConfig(timeframe_tilt=0.0))
    np.testing.assert_allclose(flat.score, [0.0, 0.0, 0.0])
    # with explicit timeframes only, the shortest is the base (rank 0)
    h1 = Component("h1", np.ones(3), timeframe=Timeframe.parse("1h"))
    r2 = confluence([h1, higher], regime)
    np.testing.assert_allclose(r2.score, r.score)


def test_external_score_only_where_available() -> None:
    rule = Component("rule", np.array([0.4, 0.4]))
    llm = Component("llm", np.array([NAN, -0.8]), weight=3.0, role=ComponentRole.EXTERNAL)
    r = confluence([rule, llm])
    np.testing.assert_allclose(r.score, [0.4, (0.4 - 2.4) / 4])
    np.testing.assert_allclose(r.coverage, [0.25, 1.0])


def test_invalid_components_and_tables_are_rejected() -> None:
    with pytest.raises(ValidationError, match=r"outside \[-1, 1\] at index 1"):
        Component("c", np.array([0.0, 1.5]))
    with pytest.raises(ValidationError, match="weight"):
        Component("c", np.zeros(2), weight=-1.0)
    with pytest.raises(ValidationError, match="unique"):
        confluence([Component("c", np.zeros(2)), Component("c", np.zeros(2))])
    with pytest.raises(ValidationError, match="3 bars, expected 2"):
        confluence([Component("a", np.zeros(2)), Component("b", np.zeros(3))])
    with pytest.raises(ValidationError, match="unknown component 'zz'"):
        confluence(
            [Component("a", np.zeros(2))],
            config=ConfluenceConfig(regime_weights=(RegimeWeight(2.0, component="zz"),)),
        )
    with pytest.raises(ValidationError, match="exactly one of component= or role="):
        RegimeWeight(2.0, trend=Trend.BULL)


def test_component_values_are_copied_and_frozen() -> None:
    values = np.array([0.1, 0.2])
    c = Component("a", values)
    values[0] = 0.9
    assert c.values[0] == 0.1
    with pytest.raises(ValueError, match="read-only"):
        c.values[0] = 0.5


def test_timeframe_agreement() -> None:
    got = timeframe_agreement(
        [
            np.array([1.0, -0.5, NAN, NAN]),
            np.array([0.3, 0.2, NAN, NAN]),
            np.array([1.0, 0.1, 0.4, NAN]),
        ]
    )
    np.testing.assert_allclose(got, [1.0, 1 / 3, 1.0, NAN])
