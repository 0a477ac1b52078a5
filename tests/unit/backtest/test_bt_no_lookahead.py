"""Property: changing anything after bar t never changes a fill at or before bar t."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import (
    BacktestConfig,
    Direction,
    FillMode,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.risk.stops import StopPolicy, TrailingKind

N = 60


def _bars(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, N)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, 0.01, N - 1))])
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, 0.02, N))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, 0.02, N))
    return open_, high, low, close


def _intents(rng: np.random.Generator, close: np.ndarray) -> dict[str, np.ndarray]:
    def maybe(scale: float, p: float) -> np.ndarray:
        return np.where(rng.random(N) < p, close * (1 + scale * rng.random(N)), np.nan)

    return {
        "entry_long": rng.random(N) < 0.15,
        "entry_short": rng.random(N) < 0.15,
        "exit": rng.random(N) < 0.1,
        "stop_loss": maybe(-0.05, 0.5),
        "take_profit": maybe(0.05, 0.5),
        "trailing": np.where(rng.random(N) < 0.3, close * 0.03, np.nan),
        "limit": maybe(-0.01, 0.2),
    }


def _splice(a: dict[str, np.ndarray], b: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k][: t + 1], b[k][t + 1 :]]) for k in a}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, N - 2),
    direction=st.sampled_from(list(Direction)),
    fill=st.sampled_from(list(FillMode)),
    leverage=st.sampled_from([1.0, 3.0]),
)
def test_future_bars_never_change_past_fills(
    seed: int, cut: int, direction: Direction, fill: FillMode, leverage: float
) -> None:
    rng = np.random.default_rng(seed)
    first = _bars(rng)
    second = _bars(rng)
    prices_b = tuple(
        np.concatenate([x[: cut + 1], y[cut + 1 :]]) for x, y in zip(first, second, strict=True)
    )
    # keep bar cut+1 a valid bar after splicing
    o, h, lo, c = (np.array(x) for x in prices_b)
    h = np.maximum(h, np.maximum(o, c))
    lo = np.minimum(lo, np.minimum(o, c))
    intents_a = _intents(rng, first[3])
    intents_b = _splice(intents_a, _intents(rng, c), cut)
    cfg = BacktestConfig(
        direction=direction,
        fill=fill,
        leverage=leverage,
        maintenance_margin=0.1 if leverage > 1 else 0.0,
        commission_pct=0.001,
        slippage_bps=5,
        slippage_atr=0.1,
        atr_period=3,
        order_ttl=3,
    )
    res_a = run_backtest(MarketData.from_arrays(*first), Intents(**intents_a), cfg)
    res_b = run_backtest(MarketData.from_arrays(o, h, lo, c), Intents(**intents_b), cfg)
    fills_a = res_a.fill_records[res_a.fill_records[:, 0] <= cut]
    fills_b = res_b.fill_records[res_b.fill_records[:, 0] <= cut]
    np.testing.assert_array_equal(fills_a, fills_b)
    np.testing.assert_array_equal(res_a.equity_values[: cut + 1], res_b.equity_values[: cut + 1])
    closed_a = res_a.trade_records[res_a.trade_records[:, 3] <= cut]
    closed_b = res_b.trade_records[res_b.trade_records[:, 3] <= cut]
    if cut < N - 1:
        np.testing.assert_array_equal(
            closed_a[closed_a[:, 12] != 7], closed_b[closed_b[:, 12] != 7]
        )


def test_property_is_not_vacuous() -> None:
    """The random cases above do trade, with stops and limits involved."""
    rng = np.random.default_rng(7)
    bars = _bars(rng)
    res = run_backtest(
        MarketData.from_arrays(*bars),
        Intents(**_intents(rng, bars[3])),
        BacktestConfig(direction=Direction.BOTH, order_ttl=3),
    )
    reasons = set(res.trades["exit_reason"])
    assert len(res.trades) >= 3
    assert reasons & {"stop_loss", "take_profit", "trailing_stop"}
    assert pytest.approx(res.final_equity) != 10_000


_POLICIES = st.builds(
    StopPolicy,
    atr_multiple=st.sampled_from([1.0, 2.0]),
    atr_period=st.sampled_from([3, 10]),
    breakeven_r=st.sampled_from([None, 0.5, 1.0]),
    trailing=st.sampled_from(list(TrailingKind)),
    trail_multiple=st.sampled_from([1.0, 3.0]),
    trail_fraction=st.sampled_from([0.02, 0.05]),
    chandelier_period=st.sampled_from([3, 10]),
    max_bars=st.sampled_from([None, 3, 10]),
    time_stop_min_r=st.sampled_from([math.inf, 0.5]),
)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, N - 2),
    direction=st.sampled_from(list(Direction)),
    fill=st.sampled_from(list(FillMode)),
    policy=_POLICIES,
    risk_sizing=st.booleans(),
    intent_stops=st.booleans(),
)
def test_a_stop_policy_never_looks_ahead(  # noqa: PLR0917 - hypothesis arguments
    seed: int,
    cut: int,
    direction: Direction,
    fill: FillMode,
    policy: StopPolicy,
    risk_sizing: bool,
    intent_stops: bool,
) -> None:
    """The same property with risk-engine stops: the stop for bar t+1 (ATR, chandelier
    extremes, best price, time stop) comes from data up to bar t's close only. Bar t+1's
    open is kept too, so fills at that open - whose RISK-sized quantity depends on the
    initial stop - must not see the rest of bar t+1 either."""
    rng = np.random.default_rng(seed)
    first = _bars(rng)
    second = _bars(rng)
    o, h, lo, c = (
        np.concatenate([x[: cut + 1], y[cut + 1 :]]) for x, y in zip(first, second, strict=True)
    )
    o[cut + 1] = first[0][cut + 1]
    h = np.maximum(h, np.maximum(o, c))
    lo = np.minimum(lo, np.minimum(o, c))
    intents_a = _intents(rng, first[3])
    # an entry signal at bar t, so that an entry often fills at bar t+1's open
    side, other = "entry_long", "entry_short"
    if direction is Direction.SHORT:
        side, other = other, side
    intents_a[side][cut], intents_a[other][cut], intents_a["exit"][cut] = True, False, False
    intents_b = _splice(intents_a, _intents(rng, c), cut)
    for intents in (intents_a, intents_b):
        del intents["trailing"]  # the policy owns trailing
        if not intent_stops:
            del intents["stop_loss"]  # the ATR stop alone
    cfg = BacktestConfig(
        direction=direction,
        fill=fill,
        commission_pct=0.001,
        order_ttl=3,
        sizing=Sizing.RISK if risk_sizing else Sizing.FRACTION,
        size=0.02 if risk_sizing else 0.9999,
        lot_size=0.0 if risk_sizing else 1.0,  # fractional: every stop change shows
        stop_policy=policy,
    )
    res_a = run_backtest(MarketData.from_arrays(*first), Intents(**intents_a), cfg)
    res_b = run_backtest(MarketData.from_arrays(o, h, lo, c), Intents(**intents_b), cfg)
    assert res_a.stop_values is not None
    assert res_b.stop_values is not None
    np.testing.assert_array_equal(res_a.stop_values[: cut + 1], res_b.stop_values[: cut + 1])

    def known(fills: np.ndarray) -> np.ndarray:
        """Fills up to bar t, and those at bar t+1's open."""
        at_open = (fills[:, 0] == cut + 1) & (fills[:, 4] == o[cut + 1])
        return fills[(fills[:, 0] <= cut) | at_open]

    np.testing.assert_array_equal(known(res_a.fill_records), known(res_b.fill_records))
    np.testing.assert_array_equal(res_a.equity_values[: cut + 1], res_b.equity_values[: cut + 1])
    closed_a = res_a.trade_records[res_a.trade_records[:, 3] <= cut]
    closed_b = res_b.trade_records[res_b.trade_records[:, 3] <= cut]
    if cut < N - 1:
        np.testing.assert_array_equal(
            closed_a[closed_a[:, 12] != 7], closed_b[closed_b[:, 12] != 7]
        )


def test_the_stop_policy_property_is_not_vacuous() -> None:
    """Its random cases exit by policy stops (initial, moved) and time stops."""
    reasons: set[str] = set()
    for seed in range(6):
        rng = np.random.default_rng(seed)
        bars = _bars(rng)
        intents = _intents(rng, bars[3])
        del intents["trailing"]
        policy = StopPolicy(atr_period=3, trailing=TrailingKind.ATR, max_bars=5)
        res = run_backtest(
            MarketData.from_arrays(*bars),
            Intents(**intents),
            BacktestConfig(direction=Direction.BOTH, order_ttl=3, stop_policy=policy),
        )
        reasons |= set(res.trades["exit_reason"])
    assert reasons >= {"stop_loss", "trailing_stop", "time_stop"}
