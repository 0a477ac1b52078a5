"""Turning driver and SQLAlchemy failures into tradegraph errors with a clear message.

Every error says which database (password hidden), what went wrong and how to fix it.
``is_transient`` tells the retry loops which failures are worth another attempt (lock
timeouts, serialization failures, deadlocks).
"""

from __future__ import annotations

import re

from sqlalchemy import URL
from sqlalchemy import exc as sa_exc

from tradegraph.core.errors import IntegrityError, PersistenceError

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
# serialization_failure, deadlock_detected, lock_not_available
_PG_TRANSIENT = frozenset({"40001", "40P01", "55P03"})


def _orig(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc


def _first_line(exc: BaseException) -> str:
    text = str(_orig(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: BaseException) -> str:
    """The driver's message on one line (psycopg spreads it over several)."""
    text = " ".join(part.strip() for part in str(_orig(exc)).splitlines() if part.strip())
    return text or type(exc).__name__


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a failure, if it has one."""
    value = getattr(_orig(exc), "sqlstate", None)
    return value if isinstance(value, str) else None


def _sqlite_code(exc: BaseException) -> int | None:
    value = getattr(_orig(exc), "sqlite_errorcode", None)
    return value & 0xFF if isinstance(value, int) else None


def is_transient(exc: BaseException | None) -> bool:
    """True for failures that a fresh attempt of the same unit of work may not hit."""
    while exc is not None and not isinstance(exc, sa_exc.DBAPIError):
        exc = exc.__cause__
    if exc is None:
        return False
    if sqlstate(exc) in _PG_TRANSIENT:
        return True
    if _sqlite_code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    return "database is locked" in str(_orig(exc))


def is_unique_violation(exc: BaseException | None) -> bool:
    """True when a write collided with a UNIQUE or PRIMARY KEY constraint."""
    while exc is not None and not isinstance(exc, sa_exc.DBAPIError):
        exc = exc.__cause__
    if not isinstance(exc, sa_exc.IntegrityError):
        return False
    if sqlstate(exc) == "23505":
        return True
    return "UNIQUE constraint failed" in str(_orig(exc))


def _end(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _connection_error(exc: BaseException, url: URL) -> PersistenceError | None:
    if url.get_backend_name() == "sqlite":
        text = str(_orig(exc))
        if "unable to open database file" in text:
            return PersistenceError(
                f"Cannot open the SQLite database file {url.database!r}: {_end(text)}",
                hint="Check that the directory exists and is writable by this user, "
                "or set TRADEGRAPH_DATABASE_URL / TRADEGRAPH_DATA_DIR to a writable place.",
            )
        if is_transient(exc):
            return PersistenceError(
                f"The SQLite database {url.database!r} stayed locked by another writer "
                f"longer than the busy timeout: {_end(text)}",
                hint="Another process holds a long write transaction; retry, or raise "
                "busy_timeout_ms. For many concurrent writers use PostgreSQL.",
            )
        return None
    state = sqlstate(exc)
    if state is None:  # failures while connecting carry the server's words, not a SQLSTATE
        text = str(_orig(exc))
        if re.search(r'database "[^"]*" does not exist', text):
            state = "3D000"
        elif re.search(r"password authentication failed|no password supplied|"
                       r'role "[^"]*" does not exist', text):
            state = "28P01"
    host, port, name = url.host or "localhost", url.port or 5432, url.database or ""
    if state in ("28P01", "28000"):
        return PersistenceError(
            f"PostgreSQL at {host}:{port} refused the login of user {url.username!r}: "
            f"{_end(_reason(exc))}",
            hint="Check the user name and password in TRADEGRAPH_DATABASE_URL "
            "(postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB).",
        )
    if state == "3D000":
        return PersistenceError(
            f"PostgreSQL at {host}:{port} has no database {name!r}: {_end(_reason(exc))}",
            hint=f"Create it (createdb -h {host} -p {port} {name}) or fix the database "
            "name in TRADEGRAPH_DATABASE_URL.",
        )
    if isinstance(exc, sa_exc.OperationalError) and (state is None or state.startswith("08")):
        return PersistenceError(
            f"Cannot connect to PostgreSQL at {host}:{port} (database {name!r}): "
            f"{_end(_reason(exc))}",
            hint=f"Check that PostgreSQL is running and accepts TCP connections on "
            f"{host}:{port}, and that TRADEGRAPH_DATABASE_URL is right.",
        )
    return None


def translate(exc: BaseException, url: URL) -> PersistenceError:
    """A ``PersistenceError`` (or subclass) describing ``exc``; chain it with ``from exc``."""
    if isinstance(exc, PersistenceError):
        return exc
    if isinstance(exc, sa_exc.IntegrityError):
        return IntegrityError(
            f"The database {_describe(url)} refused a write that breaks a constraint: "
            f"{_end(_first_line(exc))}",
            hint="The row conflicts with existing data (a duplicate key or a missing "
            "referenced row); check the values, or look up the existing row first.",
        )
    if isinstance(exc, sa_exc.DBAPIError):
        connection_error = _connection_error(exc, url)
        if connection_error is not None:
            return connection_error
        return PersistenceError(
            f"Database error on {_describe(url)}: {_end(_reason(exc))}",
            hint="If it names a missing table or column, run `tradegraph db upgrade`; "
            "if it is a lock or serialization failure, retry the operation.",
        )
    return PersistenceError(
        f"Database error on {_describe(url)}: {type(exc).__name__}: {exc}.",
        hint="This is likely a bug in the calling code; please report it with the message.",
    )


__all__ = ["is_transient", "is_unique_violation", "sqlstate", "translate"]
