"""Deterministic client order ids: the venue-side idempotency key of every order.

An id is a pure function of (tenant, strategy, decision, leg, trading day), so a process
that crashes and restarts derives the same id for the same decision and the venue can
tell a retry from a new order. The day scope keeps ids unique across days for
strategies whose decision ids restart (e.g. bar counters) and lets venues that forget ids
after a while accept them again. Ids fit the strictest common venue format
(Binance: ``^[.A-Z:/a-z0-9_-]{1,36}$``).
"""

from __future__ import annotations

import hashlib
from datetime import date

from tradegraph.core.errors import ValidationError

PREFIX = "tg"
_DIGEST_CHARS = 26  # 104 bits: collisions are not a practical concern
MAX_LENGTH = len(PREFIX) + 6 + 1 + _DIGEST_CHARS  # "tg" + yymmdd + "-" + digest = 35


def client_order_id(tenant_id: str, strategy_id: str, decision_id: str, leg: str, day: date) -> str:
    """The client order id of ``leg`` (``entry``, ``stop``, ``target``, ``entry.r1`` ...)."""
    for name, value in (
        ("tenant_id", tenant_id),
        ("strategy_id", strategy_id),
        ("decision_id", decision_id),
        ("leg", leg),
    ):
        if not value or "\x1f" in value:
            raise ValidationError(
                f"client_order_id: {name} must be a non-empty string without control "
                f"characters, got {value!r}.",
                hint="Pass the ids of the tenant, strategy and decision that produced the order.",
            )
    key = "\x1f".join((tenant_id, strategy_id, decision_id, leg, day.isoformat()))
    digest = hashlib.sha256(key.encode()).hexdigest()[:_DIGEST_CHARS]
    return f"{PREFIX}{day:%y%m%d}-{digest}"


def replacement_leg(leg: str, generation: int) -> str:
    """The leg name of the ``generation``-th replacement of ``leg`` (cancel/replace)."""
    if generation < 1:
        raise ValidationError(
            f"replacement generation must be >= 1, got {generation}.",
            hint="The first replacement is generation 1.",
        )
    base = leg.split(".r", 1)[0]
    return f"{base}.r{generation}"


__all__ = ["MAX_LENGTH", "PREFIX", "client_order_id", "replacement_leg"]
