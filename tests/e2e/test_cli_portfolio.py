"""`tradegraph portfolio | trades | decisions` on a database seeded through the Python API
(as a paper session would leave it), as a user runs them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tradegraph.core.clock import TestClock
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import open_database
from tradegraph.persistence.orders import SqlOrderStore
from tradegraph.persistence.sessions import SqlSessionStore
from tradegraph.testing.paper_history import SEED_SESSION, SEED_STRATEGY, seed_paper_history
from tradegraph.testing.risk import T0

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _seed(data_dir: Path) -> None:
    database = open_database(f"sqlite:///{data_dir / 'tradegraph.db'}")
    clock = TestClock(T0)
    journal = AuditJournal(database, clock)
    try:
        seed_paper_history(
            SqlSessionStore(database, journal, clock), SqlOrderStore(database, journal, clock)
        )
    finally:
        database.dispose()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_empty_state_says_how_to_start_a_session(run_cli: RunCli) -> None:
    for command in ("portfolio", "trades"):
        out = _ok(run_cli(command))
        assert "yet" in out
        assert "tradegraph paper start" in out
    assert json.loads(_ok(run_cli("decisions", "--json"))) == {"decisions": []}


def test_portfolio_trades_and_decisions_of_a_seeded_session(
    run_cli: RunCli, tmp_path: Path
) -> None:
    _seed(tmp_path / "data")

    out = _ok(run_cli("portfolio"))
    assert "Open positions" in out
    assert "BTC/USDT.paper" in out
    assert "short" in out
    assert "1.95" in out  # unrealized P&L of the open short at the last close (1.946)
    assert "4.90" in out  # realized P&L of the closed long (4.895)
    data = json.loads(_ok(run_cli("portfolio", "--json")))
    [position] = data["positions"]
    assert position["quantity"] == "-0.5"
    assert position["unrealized_pnl"] == "1.946"
    assert data["strategies"][0]["realized_pnl"] == "4.895"

    out = _ok(run_cli("trades", "--session", SEED_SESSION))
    assert "take_profit" in out
    assert "Net P&L 4.90 over 1 trade(s), 1 winning." in out
    [trade] = json.loads(_ok(run_cli("trades", "--strategy", SEED_STRATEGY, "--json")))["trades"]
    assert trade["pnl"] == "4.895"
    assert trade["session_id"] == SEED_SESSION
    assert trade["exit_reason"] == "take_profit"

    out = _ok(run_cli("decisions", "--actions-only"))
    assert "fast SMA crossed above slow" in out
    assert "fast SMA crossed below slow" in out
    assert "no crossover" not in out
    decisions = json.loads(_ok(run_cli("decisions", "--limit", "3", "--json")))["decisions"]
    assert [d["outcome"] for d in decisions] == ["no action", "no action", "orders placed"]
    assert decisions[0]["inputs"] == {"close": 104.0}
    assert all(d["strategy_id"] == SEED_STRATEGY for d in decisions)

    missing = run_cli("decisions", "--session", "nope")
    assert missing.returncode == 2
    assert "No session 'nope'" in missing.stderr
