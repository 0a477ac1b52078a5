"""`tradegraph risk status|halt|reset` against a real database, as a user runs them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradegraph.core.clock import TestClock
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import open_database
from tradegraph.persistence.risk_state import SqlRiskStateStore
from tradegraph.risk import DrawdownGuard, RiskConfig
from tradegraph.risk.store import observe_equity

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _trip(db_file: Path) -> None:
    database = open_database(f"sqlite:///{db_file}")
    clock = TestClock(datetime(2024, 1, 2, 9, 0, tzinfo=UTC))
    store = SqlRiskStateStore(database, AuditJournal(database, clock), clock)
    guard = DrawdownGuard(RiskConfig())
    observe_equity(store, guard, "default", "trend-1", equity=Decimal(10_000), now=clock.now())
    clock.advance(timedelta(hours=1))
    observe_equity(store, guard, "default", "trend-1", equity=Decimal(9_000), now=clock.now())
    database.dispose()


def test_status_halt_reset_round_trip(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("db", "upgrade").returncode == 0
    empty = run_cli("risk", "status")
    assert empty.returncode == 0, empty.stderr
    assert "No strategy" in empty.stdout
    _trip(tmp_path / "data" / "tradegraph.db")  # a 10% daily loss trips SAFE_MODE (limit 8%)
    status = run_cli("risk", "status")
    assert status.returncode == 0, status.stderr
    assert "trend-1" in status.stdout
    assert "HALTED" in status.stdout
    bad = run_cli("risk", "reset", "trend-1", "--equity", "lots")
    assert bad.returncode == 2
    assert "--equity" in bad.stderr
    reset = run_cli("risk", "reset", "trend-1", "--actor", "bob", "--note", "reviewed")
    assert reset.returncode == 0, reset.stderr
    assert "halted → active" in reset.stdout
    assert "ACTIVE" in reset.stdout
    halted = run_cli("risk", "halt", "trend-1", "--actor", "bob")
    assert "HALTED" in halted.stdout
    verify = run_cli("audit", "verify")
    assert verify.returncode == 0
    assert "3 entries" in verify.stdout  # tripped, reset, manual halt: all journalled


def test_unknown_strategy_is_a_clear_error(run_cli: RunCli) -> None:
    result = run_cli("risk", "status", "nope")
    assert result.returncode == 2
    assert "No risk state for strategy 'nope'" in result.stderr
