"""A user's paper-trading path through the real CLI: start a session from a template,
watch it, read its trades and decisions, stop a running one and resume it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tradegraph.bootstrap.paper import open_paper
from tradegraph.orchestrator.sessions.spec import SessionStatus
from tradegraph.settings import load_settings

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def paper_env(cli_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The CLI environment with its data dir on tmpfs when there is one (SQLite commits
    fsync; the paper loop commits every bar)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        directory = Path(tempfile.mkdtemp(prefix="tradegraph-paper-", dir=shm))
        yield {**cli_env, "TRADEGRAPH_DATA_DIR": str(directory)}
        shutil.rmtree(directory, ignore_errors=True)
    else:
        yield cli_env


def _json(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def test_start_a_template_session_and_read_what_it_did(run_cli: RunCli, paper_env) -> None:
    started = run_cli(
        "paper", "start", "sma_cross", "--symbol", "BTC/USDT", "--timeframe", "1h",
        "--synthetic", "--bars", "600", "--speed", "inf", "--session-id", "smoke",
        env=paper_env, timeout=300,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr + started.stdout
    assert "stopped after 600 bars" in started.stdout
    assert "enter long" in started.stdout  # decisions printed as they happen
    status = _json(run_cli("paper", "status", "smoke", "--json", env=paper_env))
    assert isinstance(status, dict)
    assert status["status"] == "stopped"
    assert status["bars"] == 600
    assert status["trades"] > 0
    trades = _json(run_cli("trades", "--session", "smoke", "--json", env=paper_env))
    assert isinstance(trades, dict)
    assert len(trades["trades"]) == status["trades"]
    decisions = _json(
        run_cli("decisions", "--session", "smoke", "--json", "--limit", "1000", env=paper_env)
    )
    assert isinstance(decisions, dict)
    rows = decisions["decisions"]
    assert len(rows) == 600
    assert any(r["outcome"].startswith("enter long") for r in rows)
    stopped = run_cli("paper", "stop", "smoke", env=paper_env)
    assert stopped.returncode == 0
    assert "stopped" in stopped.stdout  # already finished: unchanged
    verified = run_cli("audit", "verify", env=paper_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def _status(run_cli: RunCli, env: dict[str, str], session: str) -> dict[str, object]:
    value = _json(run_cli("paper", "status", session, "--json", env=env))
    assert isinstance(value, dict)
    return value


def test_stop_a_running_session_and_resume_it_without_losing_a_bar(
    run_cli: RunCli, paper_env
) -> None:
    bars = 150
    started = run_cli(
        "paper", "start", "sma_cross", "--symbol", "BTC/USDT", "--timeframe", "1h",
        "--synthetic", "--bars", str(bars), "--speed", "36000x", "--session-id", "paced",
        "--quantity", "1", "--direction", "both", "--detach", env=paper_env,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr + started.stdout
    assert "runs in the background" in started.stdout
    settings = load_settings(data_dir=Path(paper_env["TRADEGRAPH_DATA_DIR"]))
    deadline = time.monotonic() + 120
    with open_paper(settings) as ctx:  # watch it through the API (a CLI call costs seconds)
        while ctx.sessions.get_state("paced").bars_processed < 10:
            assert time.monotonic() < deadline, "the detached session made no progress"
            time.sleep(0.2)
        assert run_cli("paper", "stop", "paced", env=paper_env).returncode == 0
        while (state := ctx.sessions.get_state("paced")).status is not SessionStatus.STOPPED:
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
    assert _status(run_cli, paper_env, "paced")["status"] == "stopped"
    done = state.bars_processed
    assert 10 <= done < bars
    resumed = run_cli("paper", "resume", "paced", env=paper_env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    final = _status(run_cli, paper_env, "paced")
    assert final["status"] == "stopped"
    assert final["bars"] == bars  # every bar exactly once
    decisions = _json(
        run_cli("decisions", "--session", "paced", "--json", "--limit", "1000", env=paper_env)
    )
    assert isinstance(decisions, dict)
    times = [r["bar_time"] for r in decisions["decisions"]]
    assert len(times) == len(set(times)) == bars
    verified = run_cli("audit", "verify", env=paper_env)
    assert verified.returncode == 0, verified.stdout
