"""Column types shared by every table: timezone-aware UTC timestamps.

PostgreSQL stores ``TIMESTAMP WITH TIME ZONE``. SQLite has no such type: values are stored
as naive UTC text (fixed width, so text order is time order) and come back UTC-aware.
Naive datetimes are refused on the way in, so no local time can slip into the database.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from tradegraph.core.errors import ValidationError


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC ``datetime`` column on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(
                f"Refusing to store naive datetime {value!r}: stored times must be "
                "timezone-aware.",
                hint="Take times from a tradegraph.core.clock.Clock (they are UTC).",
            )
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by TypeDecorator
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


__all__ = ["UTCDateTime"]
