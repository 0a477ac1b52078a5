"""Column types shared by every table: timezone-aware UTC timestamps, exact decimals.

PostgreSQL stores ``TIMESTAMP WITH TIME ZONE``. SQLite has no such type: values are stored
as naive UTC text (fixed width, so text order is time order) and come back UTC-aware.
Naive datetimes are refused on the way in, so no local time can slip into the database.

Money and quantities (``ExactDecimal``) are PostgreSQL ``NUMERIC`` without a fixed scale
(exact, any precision, trailing zeros kept) and SQLite text (``str(Decimal)``, since SQLite
turns ``NUMERIC`` into binary floats). Either way ``Decimal`` values come back unchanged;
non-finite values are refused. SQLite cannot compare or sum them in SQL: do that in Python.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

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


DECIMAL_TEXT_LENGTH = 64
"""Width of the SQLite text form of an ``ExactDecimal`` (28 significant digits fit)."""


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact ``Decimal`` column: ``NUMERIC`` on PostgreSQL, text on SQLite."""

    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(DECIMAL_TEXT_LENGTH))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(
                f"Refusing to store {value!r} in a decimal column: expected a finite Decimal.",
                hint="Pass quantities and prices as decimal.Decimal (never float, NaN or "
                "infinity).",
            )
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: Any,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by TypeDecorator
    ) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


__all__ = ["DECIMAL_TEXT_LENGTH", "ExactDecimal", "UTCDateTime"]
