"""The fast kernel is the general kernel on its domain: bit-identical equity, positions,
trades, fills, orders and account on random markets, intents and configs (hypothesis),
and ``run_backtest`` picks it exactly when it applies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import (
    BacktestConfig,
    Direction,
    ExitReason,
    FillMode,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.backtest.engine import KernelRun, fast_path_applies, simulate_arrays
from tradegraph.backtest.kernel_ops import A_BANKRUPT, A_BARS_IN_MARKET, A_CASH, A_REJECTED
from tradegraph.core.errors import ValidationError


@dataclass(frozen=True)
class Case:
    market: MarketData
    intents: Intents
    config: BacktestConfig


def _market(rng: np.random.Generator, n: int, vol: float) -> MarketData:
    close = 100 * np.exp(np.cumsum(rng.normal(0, vol, n)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, vol / 2, n - 1))])
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, vol, n))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, vol, n))
    return MarketData.from_arrays(open_, high, low, close)


def _signal(rng: np.random.Generator, n: int, p: float) -> object:
    """A boolean per bar, sometimes a scalar (broadcast) or a 0/1 float array."""
    choice = rng.random()
    if choice < 0.05:
        return bool(rng.random() < 0.5)
    flags = rng.random(n) < p
    return flags.astype(np.float64) if choice < 0.15 else flags


def _sizing(rng: np.random.Generator) -> tuple[Sizing, float]:
    sizing = Sizing(int(rng.integers(0, 3)))
    if sizing == Sizing.FRACTION:
        return sizing, float(rng.choice([0.9999, 0.5, 1.0, 0.1]))
    if sizing == Sizing.FIXED:
        return sizing, float(rng.choice([1.0, 7.0, 50.0, 2.5]))
    return sizing, 0.02  # RISK: needs a stop, so every order is rejected in this domain


def _case(seed: int, direction: Direction, fill: FillMode, leverage: float) -> Case:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 90))
    market = _market(rng, n, float(rng.choice([0.01, 0.05, 0.2])))
    sizing, size = _sizing(rng)
    per_bar_size = None
    if rng.random() < 0.25:
        values = rng.uniform(0.05, 1.0, n) if sizing != Sizing.FIXED else rng.uniform(1, 30, n)
        per_bar_size = np.where(rng.random(n) < 0.3, np.nan, values)
    maintenance = float(rng.choice([0.0, 0.05, 0.1])) if leverage > 1 else 0.0
    config = BacktestConfig(
        cash=float(rng.choice([10_000.0, 1_000.0, 150.0, 60.0])),
        commission_pct=float(rng.choice([0.0, 0.001, 0.02])),
        commission_fixed=float(rng.choice([0.0, 0.0, 1.5])),
        slippage_bps=float(rng.choice([0.0, 0.0, 7.0, 80.0])),
        tick_size=float(rng.choice([0.0, 0.0, 0.01, 0.25])),
        lot_size=float(rng.choice([1.0, 1.0, 0.0, 0.01, 5.0])),
        fill=fill,
        direction=direction,
        sizing=sizing,
        size=size,
        leverage=leverage,
        maintenance_margin=maintenance,
        close_at_end=bool(rng.random() < 0.3),
        order_ttl=int(rng.integers(0, 4)),
    )
    intents = Intents(
        entry_long=_signal(rng, n, float(rng.uniform(0.02, 0.5))),
        entry_short=_signal(rng, n, float(rng.uniform(0.0, 0.5))) if rng.random() < 0.8 else None,
        exit=_signal(rng, n, float(rng.uniform(0.0, 0.3))) if rng.random() < 0.6 else None,
        size=per_bar_size,
        # all-NaN price intents stay in the fast path's domain
        stop_loss=np.full(n, np.nan) if rng.random() < 0.1 else None,
    )
    return Case(market, intents, config)


def _both(case: Case, record: bool) -> tuple[KernelRun, KernelRun]:
    data = case.market
    arrays = case.intents.to_kernel(data.bars, data.instruments)
    assert fast_path_applies(data.instruments, arrays, case.config)
    general = simulate_arrays(data, arrays, case.config, record=record, fast=False)
    fast = simulate_arrays(data, arrays, case.config, record=record, fast=True)
    return general, fast


def _assert_bit_identical(general: KernelRun, fast: KernelRun, bars: int) -> None:
    # the fast kernel reports positions as change points: expanded, the same matrix
    assert general.positions.values is not None
    pairs = {
        "equity": (general.equity, fast.equity),
        "positions": (general.positions.matrix(bars), fast.positions.matrix(bars)),
        "trades": (general.trades, fast.trades),
        "fills": (general.fills, fast.fills),
        "orders": (general.orders, fast.orders),
    }
    for name, (a, b) in pairs.items():
        assert a.shape == b.shape, name
        if a.tobytes() != b.tobytes():  # bit for bit (so 0.0 vs -0.0 would fail too)
            np.testing.assert_array_equal(a, b, err_msg=name)
            pytest.fail(f"{name}: equal values but different bits")
    for index in (A_CASH, A_BANKRUPT, A_BARS_IN_MARKET, A_REJECTED):
        assert general.account[index].tobytes() == fast.account[index].tobytes(), index


@settings(max_examples=250, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    direction=st.sampled_from(list(Direction)),
    fill=st.sampled_from(list(FillMode)),
    leverage=st.sampled_from([1.0, 1.0, 3.0]),
    record=st.booleans(),
)
def test_fast_kernel_is_bit_identical_to_the_general_kernel(
    seed: int, direction: Direction, fill: FillMode, leverage: float, record: bool
) -> None:
    case = _case(seed, direction, fill, leverage)
    general, fast = _both(case, record)
    _assert_bit_identical(general, fast, case.market.bars)


def test_the_random_cases_exercise_every_branch() -> None:
    """Over a fixed batch, the generator above produces every exit reason of the
    domain, rejections and bankruptcies (so the property is not vacuous) - and the
    kernels agree on all of them."""
    reasons: Counter[int] = Counter()
    rejected = bankrupt = 0
    for seed in range(400):
        direction = list(Direction)[seed % 4]
        case = _case(seed, direction, list(FillMode)[seed // 4 % 2], (1.0, 3.0)[seed // 8 % 2])
        general, fast = _both(case, record=True)
        _assert_bit_identical(general, fast, case.market.bars)
        reasons.update(int(r) for r in general.trades[:, 12])
        rejected += int(general.account[A_REJECTED] > 0)
        bankrupt += int(general.account[A_BANKRUPT] > 0)
    expected = {
        ExitReason.SIGNAL,
        ExitReason.REVERSE,
        ExitReason.LIQUIDATION,
        ExitReason.END_OF_DATA,
        ExitReason.OPEN,
    }
    assert {ExitReason(r) for r in reasons} == expected
    assert rejected > 10
    assert bankrupt > 0


def test_run_backtest_takes_the_fast_path_exactly_on_its_domain() -> None:
    rng = np.random.default_rng(5)
    n = 50
    market = _market(rng, n, 0.02)
    entries = rng.random(n) < 0.2
    plain = Intents(entry_long=entries, exit=rng.random(n) < 0.2)

    def applies(intents: Intents, config: BacktestConfig, data: MarketData = market) -> bool:
        return fast_path_applies(
            data.instruments, intents.to_kernel(data.bars, data.instruments), config
        )

    assert applies(plain, BacktestConfig(commission_pct=0.002, slippage_bps=3))
    assert applies(Intents(entry_long=entries, take_profit=np.full(n, np.nan)), BacktestConfig())
    assert not applies(plain, BacktestConfig(slippage_atr=0.1))
    assert not applies(plain, BacktestConfig(stop_loss_pct=0.05))
    assert not applies(plain, BacktestConfig(take_profit_pct=0.05))
    assert not applies(plain, BacktestConfig(trailing_pct=0.05))
    one_stop = np.full(n, np.nan)
    one_stop[3] = 90.0
    assert not applies(Intents(entry_long=entries, stop_loss=one_stop), BacktestConfig())
    assert not applies(Intents(entry_long=entries, limit=99.0), BacktestConfig())
    assert not applies(Intents(entry_long=entries, stop_entry=101.0), BacktestConfig())
    assert not applies(Intents(entry_long=entries, trailing=2.0), BacktestConfig())
    two = MarketData.from_arrays(
        *(np.column_stack([a[:, 0], a[:, 0]]) for a in (market.open, market.high, market.low,
                                                          market.close))
    )  # fmt: skip
    assert not applies(plain, BacktestConfig(), two)
    # forcing the fast kernel outside its domain is refused, not silently wrong
    arrays = Intents(entry_long=entries, limit=99.0).to_kernel(n, 1)
    with pytest.raises(ValidationError, match="fast kernel"):
        simulate_arrays(market, arrays, BacktestConfig(), fast=True)
    # and run_backtest's result is the forced general kernel's, bit for bit
    config = BacktestConfig(commission_pct=0.002, direction=Direction.BOTH)
    result = run_backtest(market, plain, config)
    general = simulate_arrays(market, plain.to_kernel(n, 1), config, fast=False)
    assert result.equity_values.tobytes() == general.equity.tobytes()
    assert result.trade_records.tobytes() == general.trades.tobytes()
    assert result.position_values.tobytes() == general.positions.matrix(n).tobytes()
