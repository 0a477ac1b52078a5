"""One exception tree for all of tradegraph, each class with a stable ``code``.

Expected outcomes (a risk veto, a validation report, a quality report) are *values*, not
exceptions. Exceptions are for things a caller cannot continue from without a decision.

Tree (code in brackets)::

    TradegraphError                         [error]
    ├── ConfigurationError                  [configuration]
    ├── ValidationError                     [validation]
    │   └── IllegalTransitionError          [validation.illegal_transition]
    ├── DataError                           [data]
    │   ├── DataFormatError                 [data.format]
    │   └── DataNotFoundError               [data.not_found]
    ├── ExecutionError                      [execution]
    │   ├── VenueUnavailableError           [execution.venue_unavailable]
    │   ├── OrderRejectedError              [execution.order_rejected]
    │   ├── OrderStateUnknownError          [execution.order_state_unknown]
    │   ├── ReconciliationError             [execution.reconciliation]
    │   └── TradingHaltedError              [execution.halted]
    ├── RiskError                           [risk]
    ├── PersistenceError                    [persistence]
    │   ├── MigrationError                  [persistence.migration]
    │   ├── IntegrityError                  [persistence.integrity]
    │   └── StaleStateError                 [persistence.stale_state]
    └── NotFoundError                       [not_found]

Every message says what was wrong, what was expected, and how to fix it; ``hint`` carries
the fix separately so that the API can return it as a field.
"""

from __future__ import annotations

from typing import ClassVar


class TradegraphError(Exception):
    """Root of every error tradegraph raises on purpose."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} Hint: {hint}" if hint else message)

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready view for APIs and structured logs."""
        return {"code": self.code, "message": self.message, "hint": self.hint}


class ConfigurationError(TradegraphError):
    """A setting or configuration value is missing or invalid."""

    code = "configuration"


class ValidationError(TradegraphError):
    """An input value does not satisfy its contract."""

    code = "validation"


class IllegalTransitionError(ValidationError):
    """A state machine was asked to make a transition it does not allow."""

    code = "validation.illegal_transition"


class DataError(TradegraphError):
    """Market data is missing, malformed or inconsistent."""

    code = "data"


class DataFormatError(DataError):
    """A file or frame could not be read as market data."""

    code = "data.format"


class DataNotFoundError(DataError):
    """The requested data set is not in the catalog."""

    code = "data.not_found"


class ExecutionError(TradegraphError):
    """Something went wrong talking to a venue."""

    code = "execution"


class VenueUnavailableError(ExecutionError):
    """The venue could not be reached (network, maintenance, circuit open)."""

    code = "execution.venue_unavailable"


class OrderRejectedError(ExecutionError):
    """The venue definitively refused an order."""

    code = "execution.order_rejected"


class OrderStateUnknownError(ExecutionError):
    """The outcome of a venue call is unknown; resolve by querying, never by resending."""

    code = "execution.order_state_unknown"


class ReconciliationError(ExecutionError):
    """Local order/position state disagrees with the venue; trading stops (fail closed)."""

    code = "execution.reconciliation"


class TradingHaltedError(ExecutionError):
    """The kill switch or SAFE_MODE is on: only cancels and risk-reducing orders pass."""

    code = "execution.halted"


class RiskError(TradegraphError):
    """Risk configuration or state is unusable (a veto is a value, not this error)."""

    code = "risk"


class PersistenceError(TradegraphError):
    """The database could not be used as required."""

    code = "persistence"


class MigrationError(PersistenceError):
    """Schema migrations could not be applied or the schema is ahead of this code."""

    code = "persistence.migration"


class IntegrityError(PersistenceError):
    """Stored data violates an invariant (e.g. a broken audit chain)."""

    code = "persistence.integrity"


class StaleStateError(PersistenceError):
    """A write was based on a version of a record that another writer has changed since."""

    code = "persistence.stale_state"


class NotFoundError(TradegraphError):
    """A requested entity does not exist (for this tenant)."""

    code = "not_found"


__all__ = [
    "ConfigurationError",
    "DataError",
    "DataFormatError",
    "DataNotFoundError",
    "ExecutionError",
    "IllegalTransitionError",
    "IntegrityError",
    "MigrationError",
    "NotFoundError",
    "OrderRejectedError",
    "OrderStateUnknownError",
    "PersistenceError",
    "ReconciliationError",
    "RiskError",
    "StaleStateError",
    "TradegraphError",
    "TradingHaltedError",
    "ValidationError",
    "VenueUnavailableError",
]
