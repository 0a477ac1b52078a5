"""Retries with full jitter — for venue *reads* only.

A read (``query_order``, ``open_orders``, ``fills``, ``positions``, ``balances``) changes
nothing at the venue, so repeating it after a transport failure is safe. A write
(``submit``, ``cancel``, ``modify``) is never retried here: a submit that timed out may
have executed, and the OMS resolves it by querying (DESIGN.md §4). ``ReadRetrier.read``
enforces this by refusing any call kind that is not in ``READ_CALLS``.

Backoff is "full jitter" (AWS architecture blog): before retry ``n`` (1-based) sleep a
uniform random time in ``[0, min(max_delay, base_delay * 2 ** (n - 1))]``. The random
generator and the sleep function are injected so tests are deterministic and instant.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tradegraph.core.errors import (
    ExecutionError,
    OrderStateUnknownError,
    ValidationError,
    VenueUnavailableError,
)

T = TypeVar("T")

READ_CALLS = frozenset({"query_order", "open_orders", "fills", "positions", "balances"})
"""The ``ExecutionClient`` calls that may be retried."""

_RETRYABLE = (VenueUnavailableError, OrderStateUnknownError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` calls in total (1 = no retry), full-jitter backoff between them."""

    attempts: int = 3
    base_delay: float = 0.05
    max_delay: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValidationError(
                f"RetryPolicy.attempts must be >= 1, got {self.attempts}.",
                hint="1 means a single call without retries.",
            )
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValidationError(
                f"RetryPolicy delays must satisfy 0 <= base_delay <= max_delay, got "
                f"base_delay={self.base_delay}, max_delay={self.max_delay}.",
                hint="Use e.g. base_delay=0.05, max_delay=1.0 (seconds).",
            )

    def cap(self, retry: int) -> float:
        """The upper bound of the sleep before the ``retry``-th retry (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (retry - 1)))


class ReadRetrier:
    """Runs read calls, retrying transport failures with full-jitter backoff."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        retryable: Callable[[ExecutionError], bool] | None = None,
    ) -> None:
        """``retryable`` can veto a retry (the OMS stops when the venue's circuit is open)."""
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._retryable = retryable
        self._retries = 0

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    @property
    def retries(self) -> int:
        """Retries made so far (for status and tests)."""
        return self._retries

    def read(self, kind: str, fn: Callable[[], T]) -> T:
        """Call ``fn`` (a read of kind ``kind``), retrying transport failures."""
        if kind not in READ_CALLS:
            raise ValidationError(
                f"ReadRetrier refuses to retry {kind!r}: only reads "
                f"({', '.join(sorted(READ_CALLS))}) may be retried.",
                hint="Writes (submit/cancel/modify) are never retried; resolve an unknown "
                "outcome by querying the venue.",
            )
        attempt = 1
        while True:
            try:
                return fn()
            except _RETRYABLE as exc:
                if attempt >= self._policy.attempts or (
                    self._retryable is not None and not self._retryable(exc)
                ):
                    raise
                delay = self._rng.uniform(0.0, self._policy.cap(attempt))
                self._retries += 1
                attempt += 1
                self._sleep(delay)


__all__ = ["READ_CALLS", "ReadRetrier", "RetryPolicy"]
