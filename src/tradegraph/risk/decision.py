"""RiskDecision: the value a pre-trade check returns (never an exception for a veto)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradegraph.risk.codes import Outcome, ReasonCode

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """Approved, reduced (``quantity`` is the new, smaller size) or denied, with reasons.

    ``quantity`` is what may be sent: the proposed quantity when approved, the reduced one
    when reduced, and 0 when denied. ``reasons`` is empty only for a clean approval.
    ``risk_increasing`` says how the order was classified (see ``PreTradeChecker``).
    """

    outcome: Outcome
    quantity: Decimal
    reasons: tuple[ReasonCode, ...] = ()
    detail: str = ""
    risk_increasing: bool = True

    @property
    def accepted(self) -> bool:
        """The order (possibly reduced) may be sent."""
        return self.outcome is not Outcome.DENIED

    @property
    def denied(self) -> bool:
        return self.outcome is Outcome.DENIED

    @property
    def reduced(self) -> bool:
        return self.outcome is Outcome.REDUCED

    @classmethod
    def approve(
        cls, quantity: Decimal, *, risk_increasing: bool = True, detail: str = ""
    ) -> RiskDecision:
        return cls(Outcome.APPROVED, quantity, (), detail, risk_increasing)

    @classmethod
    def reduce(
        cls,
        quantity: Decimal,
        reasons: tuple[ReasonCode, ...],
        detail: str = "",
        *,
        risk_increasing: bool = True,
    ) -> RiskDecision:
        return cls(Outcome.REDUCED, quantity, reasons, detail, risk_increasing)

    @classmethod
    def deny(
        cls, reasons: tuple[ReasonCode, ...], detail: str = "", *, risk_increasing: bool = True
    ) -> RiskDecision:
        return cls(Outcome.DENIED, _ZERO, reasons, detail, risk_increasing)


# Fast construction for the per-order path: a frozen dataclass's __init__ goes through
# object.__setattr__ per field; writing the slots directly is the same thing, twice as fast.
_new = object.__new__
_slots: dict[str, Any] = dict(vars(RiskDecision))
_set_outcome = _slots["outcome"].__set__
_set_quantity = _slots["quantity"].__set__
_set_reasons = _slots["reasons"].__set__
_set_detail = _slots["detail"].__set__
_set_increasing = _slots["risk_increasing"].__set__
_APPROVED = Outcome.APPROVED


def fast_approval(quantity: Decimal, risk_increasing: bool) -> RiskDecision:
    """``RiskDecision.approve(quantity, risk_increasing=...)`` without the dataclass overhead."""
    decision: RiskDecision = _new(RiskDecision)
    _set_outcome(decision, _APPROVED)
    _set_quantity(decision, quantity)
    _set_reasons(decision, ())
    _set_detail(decision, "")
    _set_increasing(decision, risk_increasing)
    return decision


__all__ = ["RiskDecision", "fast_approval"]
