"""Optimisation: grid/random/optuna search over a constructed case with a known best."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import numpy as np
import pytest

from tradegraph.backtest import BacktestConfig, Intents, MarketData
from tradegraph.backtest.optimize import (
    OptimizeSettings,
    SearchMethod,
    make_searcher,
    optimize,
    resolve_objective,
)
from tradegraph.backtest.space import ParameterSpace
from tradegraph.backtest.strategies import IndicatorCache, get_strategy
from tradegraph.core.errors import ConfigurationError, ValidationError

BARS = 60
#: fractional units, half the equity: a single trade's return is 0.5 * (exit/entry - 1)
CONFIG = BacktestConfig(lot_size=0.0, size=0.5)


def _market() -> MarketData:
    rng = np.random.default_rng(5)
    t = np.arange(BARS)
    close = 100 + 10 * np.sin(t / 6) + np.cumsum(rng.normal(0, 0.6, BARS))
    open_ = close + rng.normal(0, 0.3, BARS)
    high = np.maximum(open_, close) + 0.5
    low = np.minimum(open_, close) - 0.5
    return MarketData.from_arrays(open_, high, low, close)


def enter_leave(
    market: MarketData, params: Mapping[str, float], cache: IndicatorCache | None = None
) -> Intents:
    """Go long on bar ``enter``'s close signal and exit on bar ``leave``'s."""
    del cache
    entry = np.zeros(market.bars, dtype=bool)
    leave = np.zeros(market.bars, dtype=bool)
    entry[int(params["enter"])] = True
    leave[int(params["leave"])] = True
    return Intents(entry_long=entry, exit=leave)


SPACE = ParameterSpace.parse(
    ["enter=0:40:2", "leave=1:55:3"], ["enter < leave", "leave <= enter + 30"]
)


def _brute_force(market: MarketData) -> dict[tuple[int, int], float]:
    """Each feasible (enter, leave): the return of buying at the open after ``enter``
    and selling at the open after ``leave`` with half the cash."""
    opens = market.open[:, 0]
    out = {}
    for a in range(0, 41, 2):
        for b in range(1, 56, 3):
            if a < b <= a + 30:
                out[(a, b)] = 0.5 * (opens[b + 1] / opens[a + 1] - 1)
    return out


def test_grid_respects_constraints_and_finds_the_known_best() -> None:
    market = _market()
    expected = _brute_force(market)
    best_pair = max(expected, key=lambda k: expected[k])
    assert sorted(expected.values())[-2] < expected[best_pair]  # a unique optimum
    calls: list[tuple[int, int]] = []
    result = optimize(
        market,
        enter_leave,
        SPACE,
        CONFIG,
        OptimizeSettings(objective="return", workers=2),
        progress=lambda done, total: calls.append((done, total)),
    )
    table = result.table
    assert len(table) == len(expected) == result.evaluations
    pairs = set(zip(table["enter"], table["leave"], strict=True))
    assert pairs == set(expected)  # every feasible point, nothing else
    for enter, leave, value in table[["enter", "leave", "total_return"]].to_numpy().tolist():
        assert value == pytest.approx(expected[(int(enter), int(leave))], abs=1e-12)
    assert result.best_params == {"enter": best_pair[0], "leave": best_pair[1]}
    assert isinstance(result.best_params["enter"], int)
    assert result.best_score == pytest.approx(expected[best_pair])
    assert calls[-1] == (len(expected), len(expected))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_minimised_objective_and_min_trades() -> None:
    market = _market()
    expected = _brute_force(market)
    result = optimize(
        market, enter_leave, SPACE, CONFIG, OptimizeSettings(objective="max_drawdown")
    )
    assert result.best_score == result.table["max_drawdown"].min()
    # every point trades exactly once, so min_trades=2 leaves no point with a score
    starved = optimize(
        market, enter_leave, SPACE, CONFIG, OptimizeSettings(objective="return", min_trades=2)
    )
    assert starved.table["total_return"].isna().all()
    assert len(starved.table) == len(expected)


def test_random_search_is_deterministic_by_seed() -> None:
    market = _market()
    feasible = _brute_force(market)
    settings = OptimizeSettings(method=SearchMethod.RANDOM, trials=25, seed=11, objective="return")
    first = optimize(market, enter_leave, SPACE, CONFIG, settings)
    again = optimize(market, enter_leave, SPACE, CONFIG, settings)
    other = optimize(
        market,
        enter_leave,
        SPACE,
        CONFIG,
        OptimizeSettings(method=SearchMethod.RANDOM, trials=25, seed=12, objective="return"),
    )
    cols = ["enter", "leave", "total_return"]
    assert first.table[cols].equals(again.table[cols])
    assert not first.table[cols].equals(other.table[cols])
    pairs = list(zip(first.table["enter"], first.table["leave"], strict=True))
    assert len(pairs) == len(set(pairs)) == 25
    assert set(pairs) <= set(feasible)
    best = max(pairs, key=lambda k: feasible[k])
    assert first.best_params == {"enter": best[0], "leave": best[1]}


def test_optuna_search_is_seeded_feasible_and_useful() -> None:
    market = _market()
    feasible = _brute_force(market)
    settings = OptimizeSettings(method=SearchMethod.OPTUNA, trials=40, seed=3, objective="return")
    first = optimize(market, enter_leave, SPACE, CONFIG, settings)
    again = optimize(market, enter_leave, SPACE, CONFIG, settings)
    cols = ["enter", "leave", "total_return"]
    assert first.table[cols].equals(again.table[cols])
    pairs = list(zip(first.table["enter"], first.table["leave"], strict=True))
    assert set(pairs) <= set(feasible)
    assert 5 <= first.evaluations <= 40  # repeated proposals are evaluated once
    assert first.best_score == first.table["total_return"].max()
    # far better than a coin flip: above the median of the whole grid
    assert first.best_score > float(np.median(list(feasible.values())))


def test_optuna_missing_raises_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)  # makes `import optuna` fail
    monkeypatch.delitem(sys.modules, "tradegraph.backtest.optuna_search", raising=False)
    with pytest.raises(ConfigurationError) as info:
        make_searcher(SPACE, OptimizeSettings(method=SearchMethod.OPTUNA))
    assert "optuna" in info.value.message
    assert "pip install" in (info.value.hint or "")


def test_sma_cross_heatmap_and_grid_search_agree_with_constraint() -> None:
    rng = np.random.default_rng(2)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 1_500)))
    open_ = np.concatenate([[100.0], close[:-1]])
    market = MarketData.from_arrays(
        open_, np.maximum(open_, close) * 1.001, np.minimum(open_, close) * 0.999, close
    )
    space = ParameterSpace.parse(["fast=5:20:5", "slow=10:40:10"], ["fast<slow"])
    result = optimize(market, get_strategy("sma_cross"), space, BacktestConfig())
    assert (result.table["fast"] < result.table["slow"]).all()
    assert len(result.table) == 4 + 3 + 3 + 2  # fast 5, 10, 15, 20: slows above it
    heat = result.heatmap()
    assert heat.index.name == "slow" and heat.columns.name == "fast"
    assert heat.loc[10, [10, 15, 20]].isna().all()
    row = result.table.query("fast == 5 and slow == 30")
    assert heat.loc[30, 5] == pytest.approx(row["sharpe"].item())


def test_objective_aliases_and_errors() -> None:
    assert resolve_objective("return") == "total_return"
    assert resolve_objective("Sharpe") == "sharpe"
    assert resolve_objective("profit_factor") == "profit_factor"
    with pytest.raises(ValidationError, match="Unknown objective"):
        OptimizeSettings(objective="luck")
    with pytest.raises(ValidationError, match="trials"):
        OptimizeSettings(trials=0)
    with pytest.raises(ValidationError, match="No grid point"):
        optimize(
            _market(),
            enter_leave,
            ParameterSpace.parse(["enter=10:20", "leave=1:5"], ["enter < leave"]),
        )
