"""Database handle and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tradegraph.core.errors import (
    IntegrityError,
    MigrationError,
    PersistenceError,
    ValidationError,
)
from tradegraph.persistence import Database, MigrationState, open_database
from tradegraph.persistence.migrate import alembic_config, head_revision
from tradegraph.persistence.rows import Base, TenantRow

GENESIS = "0" * 64
EXPECTED_TABLES = {"alembic_version", "tenants", "audit_journal", "audit_head"}


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _add_tenant(
    db: Database, tenant_id: str, at: datetime, then_raise: Exception | None = None
) -> None:
    with db.session() as session:
        session.add(
            TenantRow(id=tenant_id, name=tenant_id, created_at=at, updated_at=at,
                      created_by="test")
        )
        session.flush()
        if then_raise is not None:
            raise then_raise


# The newest migration script; update when adding one (the scripts are the source of truth).
HEAD = "0004"


def test_packaged_head_is_the_newest_script() -> None:
    assert head_revision() == HEAD


def test_empty_database_reports_no_revision(database: Database) -> None:
    state = database.migration_state()
    assert state == MigrationState(current=None, head=HEAD, up_to_date=False)


def test_upgrade_creates_schema_and_seed_rows(database: Database) -> None:
    state = database.upgrade()
    assert state == MigrationState(current=HEAD, head=HEAD, up_to_date=True)
    assert database.migration_state() == state
    assert _tables(database) >= EXPECTED_TABLES
    with database.engine.connect() as conn:
        tenants = conn.execute(text("SELECT id, name, created_by, deleted_at FROM tenants")).all()
        head = conn.execute(text("SELECT id, seq, hash FROM audit_head")).all()
    assert [tuple(r) for r in tenants] == [("default", "Default tenant", "system:migration", None)]
    assert [tuple(r) for r in head] == [(1, 0, GENESIS)]


def test_upgrade_is_idempotent(database: Database) -> None:
    first = database.upgrade()
    second = database.upgrade()
    assert first == second
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tenants")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM audit_head")).scalar_one() == 1
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert versions == [HEAD]


def test_downgrade_then_upgrade_round_trips(migrated: Database) -> None:
    with migrated.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert _tables(migrated) & EXPECTED_TABLES <= {"alembic_version"}
    assert migrated.migration_state().current is None
    assert migrated.upgrade().up_to_date


def test_rows_match_migrated_schema(migrated: Database) -> None:
    with migrated.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_concurrent_first_opens_migrate_once(database_url: str) -> None:
    errors: list[BaseException] = []
    states: list[MigrationState] = []

    def opener() -> None:
        try:
            db = open_database(database_url)
            states.append(db.migration_state())
            db.dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(s.up_to_date for s in states) and len(states) == 4
    with Database(database_url) as db, db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tenants")).scalar_one() == 1


def test_open_database_without_auto_upgrade_refuses_stale_schema(database_url: str) -> None:
    with pytest.raises(MigrationError, match="tradegraph db upgrade"):
        open_database(database_url, auto_upgrade=False)
    open_database(database_url).dispose()
    db = open_database(database_url, auto_upgrade=False)
    assert db.migration_state().up_to_date
    db.dispose()


def test_unknown_revision_in_database_is_a_migration_error(migrated: Database) -> None:
    with migrated.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    state = migrated.migration_state()
    assert state.current == "9999" and not state.up_to_date
    with pytest.raises(MigrationError, match=r"'9999'.*does not know"):
        migrated.upgrade()


def test_timestamps_round_trip_as_utc_aware(migrated: Database) -> None:
    paris = timezone(timedelta(hours=2))
    created = datetime(2024, 6, 1, 14, 30, 15, 654321, tzinfo=paris)
    with migrated.session() as session:
        session.add(
            TenantRow(id="acme", name="Acme", created_at=created, updated_at=created,
                      created_by="test")
        )
    with migrated.session(read_only=True) as session:
        row = session.get(TenantRow, "acme")
        assert row is not None
        assert row.created_at == datetime(2024, 6, 1, 12, 30, 15, 654321, tzinfo=UTC)
        assert row.created_at.utcoffset() == timedelta(0)
        assert row.deleted_at is None


def test_naive_timestamps_are_refused(migrated: Database) -> None:
    naive = datetime(2024, 6, 1, 12, 0)
    with pytest.raises(ValidationError, match="naive datetime"):
        _add_tenant(migrated, "naive", naive)


def test_session_rolls_back_on_error(migrated: Database) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="boom"):
        _add_tenant(migrated, "gone", now, then_raise=ValueError("boom"))
    with migrated.session(read_only=True) as session:
        assert session.get(TenantRow, "gone") is None


def test_constraint_violation_is_an_integrity_error(migrated: Database) -> None:
    with pytest.raises(IntegrityError, match="constraint"):
        _add_tenant(migrated, "default", datetime(2024, 1, 1, tzinfo=UTC))


# -- SQLite specifics ---------------------------------------------------------------------


def test_sqlite_pragmas_are_in_effect(sqlite_url: str) -> None:
    with Database(sqlite_url, busy_timeout_ms=12_345) as db:
        db.upgrade()
        for read_only in (False, True):
            with db.session(read_only=read_only) as session:
                def pragma(name: str) -> object:
                    return session.execute(text(f"PRAGMA {name}")).scalar_one()

                assert pragma("journal_mode") == "wal"
                assert pragma("synchronous") == 2  # FULL
                assert pragma("foreign_keys") == 1
                assert pragma("busy_timeout") == 12_345


def test_sqlite_enforces_foreign_keys(sqlite_url: str) -> None:
    insert = text(
        "INSERT INTO audit_journal (seq, time, tenant_id, kind, actor, payload, prev_hash, hash) "
        "VALUES (1, '2024-01-01 00:00:00.000000', 'nobody', 'k', 'a', '{}', :p, :h)"
    )
    with open_database(sqlite_url) as db, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.run(lambda session: session.execute(insert, {"p": "a" * 64, "h": "b" * 64}))


def test_sqlite_creates_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "tg.db"
    with open_database(f"sqlite:///{target}") as db:
        assert db.migration_state().up_to_date
    assert target.is_file()


def test_sqlite_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PersistenceError, match="Cannot create the directory"):
        Database(f"sqlite:///{blocker / 'sub' / 'tg.db'}")


# -- URL and connection errors ------------------------------------------------------------


def test_unsupported_url_is_rejected() -> None:
    with pytest.raises(PersistenceError, match="Unsupported database 'mysql'") as info:
        Database("mysql://user:secret@localhost/db")
    assert "secret" not in str(info.value)
    assert info.value.hint is not None and "sqlite:///" in info.value.hint


def test_unreachable_postgres_names_host_and_port() -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound but never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        db = Database(f"postgresql://tg:secret@127.0.0.1:{port}/tradegraph")
        with pytest.raises(PersistenceError, match=f"127.0.0.1:{port}") as info:
            db.ping()
        with pytest.raises(MigrationError, match=f"127.0.0.1:{port}"):
            db.upgrade()
    assert "Cannot connect to PostgreSQL" in info.value.message
    assert info.value.hint is not None and "running" in info.value.hint
    assert "secret" not in str(info.value)


@pytest.mark.postgres
def test_missing_postgres_database_is_named(postgres_server: object) -> None:
    url = postgres_server.url("no_such_db")  # type: ignore[attr-defined]
    with pytest.raises(PersistenceError, match="has no database 'no_such_db'") as info:
        Database(url).ping()
    assert info.value.hint is not None and "createdb" in info.value.hint


def test_domain_errors_pass_through_a_session_unchanged(migrated: Database) -> None:
    error = ValidationError("x", hint="y")
    with pytest.raises(ValidationError) as info, migrated.session():
        raise error
    assert info.value is error
