"""The foundation commands, run as a user would run them."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from tradegraph import __version__
from tradegraph.core.clock import LiveClock
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import open_database

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


def test_info_shows_paths_database_and_migration_state(run_cli: RunCli, tmp_path: Path) -> None:
    before = run_cli("info")
    assert before.returncode == 0, before.stderr
    assert str(tmp_path / "data") in before.stdout.replace("\n", "")
    assert "tradegraph.db" in before.stdout
    assert "db upgrade" in before.stdout  # empty schema: tells the user how to migrate
    upgraded = run_cli("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Upgraded" in upgraded.stdout
    again = run_cli("db", "upgrade")
    assert "Already up to date" in again.stdout
    after = run_cli("info")
    assert "up to date" in after.stdout


def test_invalid_setting_names_the_variable(run_cli: RunCli, cli_env: dict[str, str]) -> None:
    env = dict(cli_env, TRADEGRAPH_LOG_LEVEL="LOUD")
    result = run_cli("info", env=env)
    assert result.returncode == 2
    assert "TRADEGRAPH_LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_reported_not_crashed(
    run_cli: RunCli, cli_env: dict[str, str]
) -> None:
    env = dict(cli_env, TRADEGRAPH_DATABASE_URL="postgresql+psycopg://u:secret@127.0.0.1:1/x")
    result = run_cli("info", env=env)
    assert result.returncode == 0, result.stderr
    assert "unavailable" in result.stdout
    assert "secret" not in result.stdout  # the password is masked


def test_audit_verify_ok_then_detects_tampering(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("db", "upgrade").returncode == 0
    ok = run_cli("audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    assert "0 entries" in ok.stdout
    db = tmp_path / "data" / "tradegraph.db"
    # write two entries through the real journal, then tamper with the file directly
    database = open_database(f"sqlite:///{db}")
    journal = AuditJournal(database, LiveClock())
    journal.append("order.submitted", "test", {"qty": "1"})
    journal.append("order.filled", "test", {"qty": "1"})
    database.dispose()
    ok2 = run_cli("audit", "verify")
    assert "2 entries" in ok2.stdout
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS audit_journal_no_update")
    con.execute('UPDATE audit_journal SET payload = \'{"qty":"100"}\' WHERE seq = 1')
    con.commit()
    con.close()
    broken = run_cli("audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN" in broken.stdout
    assert "seq=1" in broken.stdout
