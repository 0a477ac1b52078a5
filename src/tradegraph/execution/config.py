"""``OmsConfig``: the typed, frozen configuration of the order manager."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.execution.breaker import BreakerConfig
from tradegraph.execution.retry import RetryPolicy


@dataclass(frozen=True, slots=True)
class OmsConfig:
    """How the ``OrderManager`` throttles, retries, breaks circuits and reconciles."""

    max_orders_per_second: float | None = 50.0
    """Per strategy, top-level orders (bracket legs ride on their entry); None: no limit."""
    order_burst: float | None = None
    """Token-bucket size: orders a strategy may place at once (None: one second's worth)."""
    read_retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Retries of venue reads (never of submit/cancel/modify)."""
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    reconcile_tolerance: Decimal = Decimal(0)
    """Largest |local - venue| position difference reconciliation accepts."""
    check_positions: bool = True
    """Compare positions in ``reconcile`` (off only for venues without a position view)."""
    resend_grace: timedelta = timedelta(0)
    """An unconfirmed order is re-sent on confirmed absence only once its last change is at
    least this old (give venues with eventually consistent order queries a few seconds)."""
    outbox_max_age: timedelta | None = timedelta(minutes=5)
    """A committed but never-sent order older than this is canceled, not sent (a stale
    decision); None sends outbox orders of any age."""

    def __post_init__(self) -> None:
        if self.max_orders_per_second is not None and self.max_orders_per_second <= 0:
            raise ValidationError(
                f"OmsConfig.max_orders_per_second must be positive or None, got "
                f"{self.max_orders_per_second}.",
                hint="Use e.g. 50, or None to disable the throttle.",
            )
        if self.order_burst is not None and self.order_burst < 1:
            raise ValidationError(
                f"OmsConfig.order_burst must be >= 1 or None, got {self.order_burst}.",
                hint="Leave it None for one second's worth of orders.",
            )
        if not self.reconcile_tolerance.is_finite() or self.reconcile_tolerance < 0:
            raise ValidationError(
                f"OmsConfig.reconcile_tolerance must be >= 0, got {self.reconcile_tolerance}.",
                hint="Use Decimal(0) for exact matching.",
            )
        if self.resend_grace < timedelta(0):
            raise ValidationError(
                f"OmsConfig.resend_grace must be >= 0, got {self.resend_grace}.",
                hint="Use e.g. timedelta(seconds=5).",
            )
        if self.outbox_max_age is not None and self.outbox_max_age <= timedelta(0):
            raise ValidationError(
                f"OmsConfig.outbox_max_age must be positive or None, got {self.outbox_max_age}.",
                hint="Use e.g. timedelta(minutes=5).",
            )


__all__ = ["OmsConfig"]
