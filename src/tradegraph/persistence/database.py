"""``Database``: one engine, units of work, migrations. Works with SQLite and PostgreSQL.

- ``Database(url)`` builds the engine lazily connected (no I/O until first use).
- ``with db.session() as s:`` is one unit of work: commit on success, rollback on error.
  On SQLite it takes the write lock at its start (``BEGIN IMMEDIATE``), so concurrent
  units of work queue (up to ``busy_timeout_ms``) instead of failing when a read turns
  into a write; pass ``read_only=True`` for pure reads, which never wait.
- ``db.run(work)`` runs ``work(session)`` as a unit of work and retries it on lock,
  deadlock and serialization failures, a bounded number of times.
- ``db.upgrade()`` applies the packaged Alembic migrations; ``db.migration_state()``
  reports where the schema is. ``open_database(url)`` does both on first use.

SQLite connections run with ``journal_mode=WAL``, ``synchronous=FULL``,
``foreign_keys=ON`` and a busy timeout. Every failure surfaces as ``PersistenceError``
(``MigrationError``, ``IntegrityError``) naming the database and the fix.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from tradegraph.core.errors import MigrationError, PersistenceError, TradegraphError
from tradegraph.persistence.failures import is_transient, translate
from tradegraph.persistence.migrate import MigrationState, state_of, upgrade_in

T = TypeVar("T")
Backend = Literal["sqlite", "postgresql"]

_SQLITE_BEGIN = "tradegraph_sqlite_begin"  # execution option read by the begin hook
_URL_HINT = (
    "Use sqlite:///path/to/tradegraph.db or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB "
    "(set TRADEGRAPH_DATABASE_URL)."
)


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise PersistenceError(f"Cannot parse database URL {url!r}: {exc}.", hint=_URL_HINT) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # psycopg 3 is the driver tradegraph ships with; psycopg2 is not installed.
        return parsed.set(drivername="postgresql+psycopg")
    if backend != "sqlite":
        raise PersistenceError(
            f"Unsupported database {backend!r} in URL "
            f"{parsed.render_as_string(hide_password=True)!r}: tradegraph supports SQLite "
            "and PostgreSQL.",
            hint=_URL_HINT,
        )
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


class Database:
    """A database handle: engine, unit-of-work sessions and migrations. Thread-safe.

    Create one per process (after any fork) and ``dispose()`` it at shutdown. An
    in-memory SQLite URL (``sqlite://``) gives each thread its own database: use it only
    from one thread.
    """

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> None:
        if busy_timeout_ms < 0:
            raise PersistenceError(
                f"busy_timeout_ms must be >= 0, got {busy_timeout_ms}.",
                hint="Use e.g. 30000 (30 s).",
            )
        self._url = _parse_url(url)
        self._busy_timeout_ms = busy_timeout_ms
        self._backend: Backend = (
            "sqlite" if self._url.get_backend_name() == "sqlite" else "postgresql"
        )
        if self._backend == "sqlite":
            self._engine = self._sqlite_engine(echo)
        else:
            self._engine = create_engine(
                self._url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 10}
            )
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def _sqlite_engine(self, echo: bool) -> Engine:
        path = _sqlite_file(self._url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise PersistenceError(
                    f"Cannot create the directory {str(path.parent)!r} for the SQLite "
                    f"database: {exc}.",
                    hint="Choose a writable location with TRADEGRAPH_DATA_DIR or "
                    "TRADEGRAPH_DATABASE_URL.",
                ) from exc
        engine = create_engine(self._url, echo=echo)
        busy_timeout_ms = self._busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            # SQLAlchemy emits BEGIN itself (see _begin); the driver must not.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = FULL")
                cursor.execute("PRAGMA foreign_keys = ON")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    # -- facts -----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def backend(self) -> Backend:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend

    @property
    def display_url(self) -> str:
        """The URL with the password hidden, for messages and logs."""
        return self._url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"

    # -- units of work ---------------------------------------------------------------------

    def _options(self, read_only: bool) -> dict[str, Any]:
        if self._backend == "sqlite":
            return {_SQLITE_BEGIN: "DEFERRED" if read_only else "IMMEDIATE"}
        return {"postgresql_readonly": True} if read_only else {}

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        Database failures are raised as ``PersistenceError`` (``IntegrityError`` for
        constraint violations) chained to the driver's error; other exceptions from the
        block propagate unchanged after the rollback.
        """
        session = self._sessions()
        try:
            session.connection(execution_options=self._options(read_only))
            yield session
            session.commit()
        except sa_exc.SQLAlchemyError as exc:
            self._rollback_quietly(session)
            original = getattr(exc, "orig", None)
            if isinstance(original, TradegraphError):  # e.g. a type refusing a bind value
                raise original from exc
            raise translate(exc, self._url) from exc
        except BaseException:
            self._rollback_quietly(session)
            raise
        finally:
            session.close()

    @staticmethod
    def _rollback_quietly(session: Session) -> None:
        try:
            session.rollback()
        except sa_exc.SQLAlchemyError:
            session.invalidate()

    def run(
        self,
        work: Callable[[Session], T],
        *,
        attempts: int = 8,
        retry_if: Callable[[PersistenceError], bool] | None = None,
    ) -> T:
        """Run ``work(session)`` in a unit of work, retrying transient failures.

        Lock timeouts, deadlocks and serialization failures are retried (with jittered
        backoff) up to ``attempts`` times in all; ``retry_if`` adds other retryable cases.
        ``work`` must be safe to run again (no side effects outside the session).
        """
        if attempts < 1:
            raise PersistenceError(
                f"attempts must be >= 1, got {attempts}.", hint="Use e.g. 5."
            )
        for attempt in range(1, attempts + 1):
            try:
                with self.session() as session:
                    return work(session)
            except PersistenceError as exc:
                retryable = is_transient(exc.__cause__) or (
                    retry_if is not None and retry_if(exc)
                )
                if attempt == attempts or not retryable:
                    raise
                # jitter spreads retries of competing writers; not security relevant
                time.sleep(min(0.2, 0.005 * 2**attempt) * random.random())  # noqa: S311
        raise AssertionError("unreachable")  # pragma: no cover

    def ping(self) -> None:
        """Open a connection and run ``SELECT 1``; raise ``PersistenceError`` if impossible."""
        try:
            with self._engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self._url) from exc

    # -- migrations ------------------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> MigrationState:
        """Apply the packaged migrations up to ``revision``; safe to call concurrently."""
        try:
            with self._engine.connect() as connection:
                connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
                with connection.begin():
                    return upgrade_in(connection, revision)
        except MigrationError:
            raise
        except sa_exc.SQLAlchemyError as exc:
            cause = translate(exc, self._url)
            raise MigrationError(
                f"Applying migrations to {self.display_url} failed: {cause.message}",
                hint=cause.hint,
            ) from exc

    def migration_state(self) -> MigrationState:
        """Current and head revisions of the schema."""
        try:
            with self._engine.connect() as connection:
                return state_of(connection)
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self._url) from exc

    # -- lifecycle -------------------------------------------------------------------------

    def dispose(self) -> None:
        """Close every pooled connection. The handle can still be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()


def open_database(
    url: str, *, auto_upgrade: bool = True, busy_timeout_ms: int = 30_000
) -> Database:
    """Open ``url``; apply pending migrations (``auto_upgrade``) or insist there are none."""
    database = Database(url, busy_timeout_ms=busy_timeout_ms)
    try:
        if auto_upgrade:
            database.upgrade()
        else:
            state = database.migration_state()
            if not state.up_to_date:
                raise MigrationError(
                    f"The schema of {database.display_url} is at revision "
                    f"{state.current or '(empty)'}; this tradegraph needs {state.head}.",
                    hint="Run `tradegraph db upgrade` (back up the database first).",
                )
    except BaseException:
        database.dispose()
        raise
    return database


__all__ = ["Backend", "Database", "MigrationState", "open_database"]
