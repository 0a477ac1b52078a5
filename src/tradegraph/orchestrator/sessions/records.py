"""What a session records per step: its decision (``DecisionRecord``: what it saw, its
reasoning, what came of it) and its equity (``EquitySnapshot``). Pure, frozen values with
a JSON form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradegraph.core.errors import ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Direction
from tradegraph.orchestrator.sessions.values import (
    MAX_DECISION_ID,
    check_session_id,
    float_or_none,
    parse_time,
    to_dec,
    utc,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """One step's decision, with what it saw and what came of it."""

    session_id: str
    decision_id: str
    bar_time: datetime
    direction: Direction
    exit: bool = False
    entry: float | None = None
    stop: float | None = None
    target: float | None = None
    confidence: float = 0.0
    reasoning: str = ""
    inputs: Mapping[str, JSONValue] = field(default_factory=dict)
    """What the decision saw: close, key indicator values (JSON values only)."""
    outcome: str = "no action"
    """E.g. ``"orders placed"``, ``"risk denied: MAX_LEVERAGE"``, ``"no action"``."""
    order_ids: tuple[str, ...] = ()
    """Client order ids placed for this decision."""
    created_at: datetime

    def __post_init__(self) -> None:
        check_session_id(self.session_id)
        if not self.decision_id or len(self.decision_id) > MAX_DECISION_ID:
            raise ValidationError(
                f"Decision id must be 1-{MAX_DECISION_ID} characters, got {self.decision_id!r}.",
                hint="Use decision_id(session_id, bar_time).",
            )
        object.__setattr__(self, "direction", Direction(self.direction))
        object.__setattr__(self, "bar_time", utc(self.bar_time, "bar_time"))
        object.__setattr__(self, "created_at", utc(self.created_at, "created_at"))
        object.__setattr__(self, "inputs", dict(self.inputs))
        object.__setattr__(self, "order_ids", tuple(self.order_ids))
        for name in ("entry", "stop", "target", "confidence"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValidationError(
                    f"Decision {self.decision_id}: {name} is not finite ({value}).",
                    hint="Use None for 'no price'.",
                )

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "session_id": self.session_id,
            "decision_id": self.decision_id,
            "bar_time": self.bar_time.isoformat(),
            "direction": self.direction.value,
            "exit": self.exit,
            "entry": self.entry,
            "stop": self.stop,
            "target": self.target,
            "confidence": self.confidence,
            "reasoning": self.reasoning,
            "inputs": dict(self.inputs),
            "outcome": self.outcome,
            "order_ids": list(self.order_ids),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionRecord:
        bar_time, created = parse_time(data["bar_time"]), parse_time(data["created_at"])
        assert bar_time is not None
        assert created is not None
        return cls(
            session_id=str(data["session_id"]),
            decision_id=str(data["decision_id"]),
            bar_time=bar_time,
            direction=Direction(data["direction"]),
            exit=bool(data["exit"]),
            entry=float_or_none(data.get("entry")),
            stop=float_or_none(data.get("stop")),
            target=float_or_none(data.get("target")),
            confidence=float(data.get("confidence") or 0.0),
            reasoning=str(data.get("reasoning") or ""),
            inputs=dict(data.get("inputs") or {}),
            outcome=str(data.get("outcome") or ""),
            order_ids=tuple(str(i) for i in data.get("order_ids") or ()),
            created_at=created,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EquitySnapshot:
    """The session's account at one time (after the step of the bar opening at ``time``)."""

    session_id: str
    time: datetime
    equity: Decimal
    cash: Decimal
    position_value: Decimal
    """Signed mark-to-market value of the open position(s)."""
    drawdown: Decimal = Decimal(0)
    """Fraction below the running equity peak (0.05 = 5 % down)."""

    def __post_init__(self) -> None:
        check_session_id(self.session_id)
        object.__setattr__(self, "time", utc(self.time, "time"))
        for name in ("equity", "cash", "position_value", "drawdown"):
            object.__setattr__(self, name, to_dec(getattr(self, name), name))

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "session_id": self.session_id,
            "time": self.time.isoformat(),
            "equity": str(self.equity),
            "cash": str(self.cash),
            "position_value": str(self.position_value),
            "drawdown": str(self.drawdown),
        }


__all__ = ["DecisionRecord", "EquitySnapshot"]
