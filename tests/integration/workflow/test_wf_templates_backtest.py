"""Templates end to end: each backtests through the engine; the sma_cross template gives
the hand-coded strategy's results; the optimiser searches a workflow's own bounds; a user
creates, edits, validates and shows a workflow from the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tradegraph.backtest import BacktestConfig, Direction, MarketData, run_backtest
from tradegraph.backtest.optimize import optimize
from tradegraph.backtest.strategies import get_strategy
from tradegraph.cli.workflow import app
from tradegraph.data import synthetic_ohlcv
from tradegraph.services.workflows import (
    backtest_workflow,
    check_source,
    is_workflow_reference,
    workflow_strategy,
)
from tradegraph.workflow.templates import template_names


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic_ohlcv("1h", 3000, seed=21)


@pytest.mark.parametrize("name", template_names())
def test_every_template_backtests(name: str, frame: pd.DataFrame) -> None:
    result = backtest_workflow(
        name, frame, timeframe="1h", config=BacktestConfig(direction=Direction.BOTH)
    )
    stats = result.stats.as_flat_dict()
    assert stats["trades"] > 0, f"{name} never traded on 3000 synthetic bars"
    assert np.isfinite(stats["final_equity"])
    assert len(result.equity_values) == len(frame)


def test_sma_cross_template_equals_the_hand_coded_strategy(frame: pd.DataFrame) -> None:
    market = MarketData.from_frame(frame)
    strategy = workflow_strategy("sma_cross", timeframe="1h", volume_frame=frame)
    hand = get_strategy("sma_cross")
    for params in ({"fast": 10, "slow": 20}, {"fast": 5, "slow": 60}):
        config = BacktestConfig(direction=Direction.BOTH, commission_pct=0.001)
        ours = run_backtest(market, strategy.builder(market, params), config)
        theirs = run_backtest(market, hand(market, params, None), config)
        np.testing.assert_array_equal(ours.equity_values, theirs.equity_values)
        assert ours.stats.as_flat_dict() == theirs.stats.as_flat_dict()
    assert strategy.defaults == {"fast": 10, "slow": 20}


def test_optimiser_uses_the_workflow_bounds(frame: pd.DataFrame) -> None:
    daily = synthetic_ohlcv("1d", 1200, seed=3)
    market = MarketData.from_frame(daily)
    strategy = workflow_strategy("sma_cross", timeframe="1d", volume_frame=daily)
    space = strategy.space()
    assert [p.name for p in space.params] == ["fast", "slow"]
    ours = optimize(market, strategy.builder, space)
    theirs = optimize(market, get_strategy("sma_cross"), space)
    assert ours.best_params == theirs.best_params
    assert len(ours.table) == len(theirs.table) == 175


def test_workflow_references() -> None:
    assert is_workflow_reference("sma_cross")
    assert is_workflow_reference("my.yaml")
    assert not is_workflow_reference("nope")


def test_cli_create_edit_validate_show(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "mine.yaml"
    listed = runner.invoke(app, ["templates"])
    assert listed.exit_code == 0
    for name in template_names():
        assert name[:12] in listed.output
    created = runner.invoke(app, ["new", "--template", "sma_cross", "-o", str(out), "--id", "mine"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    text = out.read_text().replace("type: sma\n", "type: smaa\n", 1)
    out.write_text(text)
    bad = runner.invoke(app, ["validate", str(out)])
    assert bad.exit_code == 1
    assert "unknown_node_type" in bad.output
    assert "Did you mean 'sma'?" in bad.output
    out.write_text(text.replace("type: smaa\n", "type: ema\n"))
    assert check_source(out).report.ok
    shown = runner.invoke(app, ["show", str(out), "--param", "fast=15"])
    assert shown.exit_code == 0, shown.output
    assert "fast_ma.value  ema(period=$fast=15)" in shown.output
    assert "parameters" in shown.output
    again = runner.invoke(app, ["new", "--template", "sma_cross", "-o", str(out)])
    assert again.exit_code != 0
    diff = runner.invoke(app, ["diff", "sma_cross", str(out)])
    assert diff.exit_code == 0
    assert "~ nodes.fast_ma.type: 'sma' → 'ema'" in diff.output
    schema = runner.invoke(app, ["schema", "-o", str(tmp_path / "schema.json")])
    assert schema.exit_code == 0
    assert (tmp_path / "schema.json").read_text().startswith("{")
    nodes = runner.invoke(app, ["nodes", "--category", "ai"])
    assert "llm_analyst" in nodes.output
