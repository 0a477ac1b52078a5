"""The synthetic market: deterministic, consistent OHLCV, and it has the promised regimes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import is_ohlcv
from tradegraph.data.sources.synthetic import (
    Regime,
    SyntheticConfig,
    SyntheticSource,
    ar1_filter,
    generate_market,
    generate_ohlcv,
    synthetic_ohlcv,
)
from tradegraph.model.timeframe import Timeframe

TF = Timeframe.parse


def test_same_seed_same_bars_other_seed_other_bars() -> None:
    config = SyntheticConfig(timeframe=TF("5m"), bars=5000, seed=42)
    first, second = generate_ohlcv(config), generate_ohlcv(config)
    pd.testing.assert_frame_equal(first, second)
    other = generate_ohlcv(SyntheticConfig(timeframe=TF("5m"), bars=5000, seed=43))
    assert not np.allclose(first["close"].to_numpy(), other["close"].to_numpy())


@settings(max_examples=40, deadline=None)
@given(
    tf=st.sampled_from(["1m", "5m", "15m", "1h", "4h", "1d", "1w"]),
    bars=st.integers(min_value=0, max_value=3000),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_timeframe_any_length_is_a_consistent_contract_frame(tf: str, bars: int, seed: int):
    timeframe = TF(tf)
    frame = synthetic_ohlcv(
        timeframe, bars, seed=seed, start=datetime(2021, 3, 4, 5, 6, tzinfo=UTC)
    )
    assert is_ohlcv(frame)
    assert len(frame) == bars
    if bars == 0:
        return
    o, h, low, c, v = (frame[col].to_numpy() for col in ("open", "high", "low", "close", "volume"))
    assert np.isfinite(frame.to_numpy()).all()
    assert (low > 0).all()
    assert (h >= np.maximum(o, c)).all()
    assert (low <= np.minimum(o, c)).all()
    assert (v > 0).all()
    step = np.diff(frame.index.asi8)
    assert (step == timeframe.nanoseconds).all()
    first = frame.index[0]
    assert first >= pd.Timestamp("2021-03-04T05:06Z")
    assert first - pd.Timedelta(seconds=timeframe.seconds) < pd.Timestamp("2021-03-04T05:06Z")
    if tf == "1w":
        assert first.weekday() == 0  # weekly bars open on Monday


def test_regimes_behave_as_named() -> None:
    market = generate_market(SyntheticConfig(timeframe=TF("1m"), bars=400_000, seed=9))
    returns = np.diff(np.log(market.bars["close"].to_numpy()))
    regime = market.regimes[1:]
    same = regime == market.regimes[:-1]  # both bars in the same regime
    sigma = returns.std()

    bull = returns[same & (regime == Regime.BULL)]
    bear = returns[same & (regime == Regime.BEAR)]
    assert bull.mean() > 0.02 * sigma
    assert bear.mean() < -0.02 * sigma

    turbulent = returns[same & (regime == Regime.TURBULENT)]
    ranging = returns[same & (regime == Regime.RANGE)]
    assert turbulent.std() > 2 * ranging.std()

    # Ranges mean-revert: 100-bar moves are much smaller than 100 independent steps would be.
    horizon = 100
    closes = np.log(market.bars["close"].to_numpy())
    count = np.concatenate(([0], np.cumsum(market.regimes == Regime.RANGE)))
    window = count[horizon + 1 :] - count[: -(horizon + 1)]  # range bars in [s, s + horizon]
    starts = np.flatnonzero(window == horizon + 1)[::horizon]
    moves = closes[starts + horizon] - closes[starts]
    assert len(moves) > 100
    assert moves.var() < 0.6 * horizon * ranging.var()


def test_volatility_clusters() -> None:
    frame = synthetic_ohlcv("1h", 100_000, seed=4)
    magnitude = np.abs(np.diff(np.log(frame["close"].to_numpy())))
    lagged = np.corrcoef(magnitude[:-10], magnitude[10:])[0, 1]
    assert lagged > 0.15  # |returns| are autocorrelated; i.i.d. noise would give about 0


def test_occasional_price_gaps_open_away_from_previous_close() -> None:
    config = SyntheticConfig(timeframe=TF("1m"), bars=200_000, seed=1, gap_probability=0.001)
    frame = generate_ohlcv(config)
    opens = frame["open"].to_numpy()[1:]
    previous_close = frame["close"].to_numpy()[:-1]
    gapped = ~np.isclose(opens, previous_close, rtol=1e-12, atol=0)
    assert 100 <= gapped.sum() <= 300  # about 0.1% of 200,000
    assert np.isclose(frame["open"].iloc[0], config.start_price)


def test_missing_bars_make_data_gaps() -> None:
    config = SyntheticConfig(timeframe=TF("1m"), bars=10_000, seed=2, missing_bar_probability=0.1)
    frame = generate_ohlcv(config)
    assert 8700 < len(frame) < 9300
    assert frame.index[0] == pd.Timestamp("2020-01-01T00:00Z")
    assert (np.diff(frame.index.asi8) > 60 * 10**9).any()


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.97, 0.999])
def test_ar1_filter_matches_the_recursion(phi: float) -> None:
    x = np.random.default_rng(0).normal(size=3000)
    expected = np.empty_like(x)
    level = 0.0
    for i, value in enumerate(x):
        level = phi * level + value
        expected[i] = level
    np.testing.assert_allclose(ar1_filter(x, phi), expected, rtol=1e-9, atol=1e-9)


def test_source_yields_chunks_that_rebuild_the_series() -> None:
    config = SyntheticConfig(timeframe=TF("1h"), bars=1000, seed=8)
    chunks = list(SyntheticSource(config, chunk_bars=300).frames())
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    pd.testing.assert_frame_equal(pd.concat(chunks), generate_ohlcv(config))


def test_invalid_config_names_the_problem() -> None:
    with pytest.raises(ValidationError, match="bars must be >= 0"):
        SyntheticConfig(timeframe=TF("1m"), bars=-1)
    with pytest.raises(ValidationError, match="gap_probability must be in"):
        SyntheticConfig(timeframe=TF("1m"), bars=1, gap_probability=1.5)
    with pytest.raises(ValidationError, match="timezone-aware"):
        SyntheticConfig(timeframe=TF("1m"), bars=1, start=datetime(2020, 1, 1))
