"""Fixtures for persistence tests: a Database handle on a fresh database of each backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.persistence import Database


@pytest.fixture
def clock() -> TestClock:
    return TestClock(datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A handle on a fresh, empty (unmigrated) database; disposed after the test."""
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def migrated(database: Database) -> Database:
    """The fresh database with every migration applied."""
    database.upgrade()
    return database
