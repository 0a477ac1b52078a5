"""`tradegraph backtest | optimize | walkforward`, run as a user would run them."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

RunCli = Callable[..., subprocess.CompletedProcess[str]]
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SUMMARY_KEYS = {
    "bars",
    "trades",
    "final_equity",
    "return_pct",
    "buy_hold_return_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "win_rate_pct",
    "profit_factor",
    "exposure_pct",
    "elapsed_s",
}


def test_backtest_json_and_report(run_cli: RunCli, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.html"
    result = run_cli(
        "backtest",
        "sma_cross",
        "--synthetic",
        "--bars",
        "3000",
        "--param",
        "fast=10",
        "--param",
        "slow=30",
        "--commission",
        "0.001",
        "--direction",
        "both",
        "--report",
        str(report),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert set(payload) >= SUMMARY_KEYS
    assert payload["bars"] == 3000
    assert payload["params"] == {"fast": 10, "slow": 30}
    assert payload["trades"] > 0
    assert payload["return_pct"] == (payload["final_equity"] / 10_000 - 1) * 100
    assert 0 < payload["elapsed_s"] < 60
    assert payload["stop_policy"] is None  # no stop option given
    assert Path(payload["report"]) == report.resolve()
    html = report.read_text(encoding="utf-8")
    assert re.search(r"<(script|link)\b[^>]*\b(src|href)\s*=", html) is None
    assert 'id="trades"' in html and "Sharpe ratio" in html


def test_backtest_with_risk_engine_stops(run_cli: RunCli) -> None:
    args = ("backtest", "sma_cross", "--synthetic", "--bars", "2000", "--param", "fast=10")
    result = run_cli(
        *args,
        "--atr-stop",
        "2",
        "--breakeven-r",
        "1",
        "--trail",
        "chandelier",
        "--time-stop-bars",
        "10",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    policy = payload["stop_policy"]
    assert policy["atr_multiple"] == 2.0
    assert policy["breakeven_r"] == 1.0
    assert policy["trailing"] == "chandelier"
    assert policy["max_bars"] == 10
    assert payload["trades"] > 0
    # every trade now has an initial risk (R multiples exist) and the time stop caps the
    # holding time: 10 bar closes, then out at the next open
    assert payload["avg_r"] is not None
    assert 0 < payload["avg_bars_held"] <= 10
    bad = run_cli(*args, "--trail", "percent", "--trail-fraction", "2")
    assert bad.returncode == 2
    assert "trail_fraction" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_bad_param_names_it(run_cli: RunCli) -> None:
    result = run_cli("backtest", "sma_cross", "--synthetic", "--param", "fast=ten")
    assert result.returncode == 2
    assert "fast=ten" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run_cli("backtest", "sma_cross", "--symbol", "NOPE", "--timeframe", "1h")
    assert missing.returncode == 2
    assert "NOPE" in missing.stderr and "--synthetic" in missing.stderr


def test_backtest_from_csv_prints_a_table(run_cli: RunCli) -> None:
    sample = SAMPLES / "generic_yahoo_daily.csv"  # 5 daily bars
    result = run_cli(
        "backtest",
        "sma_cross",
        "--data",
        str(sample),
        "--param",
        "fast=5",
        "--param",
        "slow=10",
        "--fill",
        "close",
    )
    assert result.returncode == 0, result.stderr
    assert "GENERIC_YAHOO_DAILY" in result.stdout
    assert "Final equity" in result.stdout and "Buy & hold return" in result.stdout
    # buy & hold over the file, by hand: last close / first close - 1
    assert f"{(185.56 / 185.64 - 1) * 100:,.2f}%" in result.stdout
    assert "│ Bars                 │         5 │" in result.stdout


def test_out_of_bounds_workflow_parameter_is_a_clear_error(run_cli: RunCli) -> None:
    """sma_cross is the shipped workflow template; its parameter bounds are validated."""
    result = run_cli("backtest", "sma_cross", "--synthetic", "--bars", "300", "--param", "slow=2")
    assert result.returncode == 2
    assert "'slow' is out of bounds" in result.stderr
    assert "[10, 200]" in result.stderr


def test_optimize_json_respects_the_constraint(run_cli: RunCli, tmp_path: Path) -> None:
    heatmap = tmp_path / "heat.html"
    result = run_cli(
        "optimize",
        "sma_cross",
        "--synthetic",
        "--bars",
        "3000",
        "--param",
        "fast=5:20:5",
        "--param",
        "slow=10:40:10",
        "--constraint",
        "fast<slow",
        "--objective",
        "return",
        "--heatmap",
        str(heatmap),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["evaluations"] == 4 + 3 + 3 + 2  # slows above fast = 5, 10, 15, 20
    best = payload["best_params"]
    assert best["fast"] < best["slow"]
    assert payload["objective"] == "total_return"
    assert '"type":"heatmap"' in heatmap.read_text(encoding="utf-8")


def test_walkforward_json(run_cli: RunCli) -> None:
    result = run_cli(
        "walkforward",
        "sma_cross",
        "--synthetic",
        "--bars",
        "3000",
        "--train",
        "1000",
        "--test",
        "500",
        "--anchored",
        "--param",
        "fast=5:15:5",
        "--param",
        "slow=20:40:10",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["windows"] == 4
    assert payload["oos_bars"] == 2000
    detail = payload["windows_detail"]
    assert [w["window"] for w in detail] == [0, 1, 2, 3]
    for before, after in itertools.pairwise(detail):
        assert after["start_equity"] == before["final_equity"]
    assert payload["final_equity"] == detail[-1]["final_equity"]
