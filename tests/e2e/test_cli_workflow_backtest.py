"""A user's path: template → edit the YAML → validate → backtest and optimise it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def test_template_to_edited_workflow_to_backtest_and_optimize(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "mine.yaml"
    created = run_cli("workflow", "new", "--template", "sma_cross", "-o", str(path))
    assert created.returncode == 0, created.stderr
    text = path.read_text()
    assert "default: 20" in text
    path.write_text(text.replace("default: 20", "default: 40", 1))  # slow SMA 20 -> 40
    valid = run_cli("workflow", "validate", str(path))
    assert valid.returncode == 0, valid.stderr + valid.stdout
    edited = run_cli("backtest", str(path), "--synthetic", "--bars", "3000", "--json")
    assert edited.returncode == 0, edited.stderr
    run = json.loads(edited.stdout)
    assert run["params"] == {"fast": 10, "slow": 40}
    # the same parameters through the shipped template give the same result
    template = run_cli(
        "backtest", "sma_cross", "--synthetic", "--bars", "3000", "--param", "slow=40", "--json"
    )
    assert json.loads(template.stdout)["final_equity"] == run["final_equity"]
    # no --param: the workflow's own bounds (fast 5..50/5, slow 10..200/10, fast < slow)
    searched = run_cli(
        "optimize",
        str(path),
        "--synthetic",
        "--bars",
        "2000",
        "--method",
        "random",
        "--trials",
        "8",
        "--seed",
        "3",
        "--json",
    )
    assert searched.returncode == 0, searched.stderr
    found = json.loads(searched.stdout)
    assert found["evaluations"] == 8
    best = found["best_params"]
    assert 5 <= best["fast"] <= 50
    assert 10 <= best["slow"] <= 200
    assert best["fast"] < best["slow"]
    assert best["fast"] % 5 == 0  # on the workflow's own step grid
    assert best["slow"] % 10 == 0


def test_broken_workflow_is_refused_with_the_node_named(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    assert run_cli("workflow", "new", "--template", "sma_cross", "-o", str(path)).returncode == 0
    path.write_text(path.read_text().replace("type: sma", "type: smaa", 1))
    valid = run_cli("workflow", "validate", str(path))
    assert valid.returncode == 1
    assert "fast_ma" in valid.stdout + valid.stderr
    assert "sma" in valid.stdout + valid.stderr  # did you mean
    backtest = run_cli("backtest", str(path), "--synthetic", "--bars", "500")
    assert backtest.returncode == 2
    assert "fast_ma" in backtest.stderr
