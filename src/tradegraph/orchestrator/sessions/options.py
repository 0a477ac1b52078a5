"""How a session's runner acts on decisions: the backtest direction mode, the stop policy
and the decision schedule (``SessionOptions``).

They are a typed field of ``SessionSpec`` (``spec.options``), persisted with the spec as a
nested JSON object (``to_dict``/``from_dict``), so a resumed session behaves exactly like
the first run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Final

from tradegraph.backtest.config import Direction as Mode
from tradegraph.core.errors import ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.orchestrator.sessions.schedule import CronSchedule
from tradegraph.risk.stops import StopPolicy, TrailingKind

_MODES = {m.name.lower(): m for m in Mode}
_KEYS: Final = ("direction", "stop_policy", "schedule")
_POLICY_KEYS: Final = frozenset(f.name for f in fields(StopPolicy))


def parse_mode(text: str | Mode) -> Mode:
    """``"long" | "short" | "both" | "reverse"`` (as ``backtest --direction``)."""
    if isinstance(text, Mode):
        return text
    mode = _MODES.get(str(text).strip().lower())
    if mode is None:
        raise ValidationError(
            f"Unknown direction {text!r}.",
            hint=f"Use one of: {', '.join(_MODES)} (as in `tradegraph backtest --direction`).",
        )
    return mode


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How the runner acts on decisions (the backtest's ``direction`` semantics), who
    moves stops (``stop_policy``) and, optionally, at which closes it decides at all
    (``schedule``, a cron expression: bars closing off-schedule are only observed)."""

    direction: Mode = Mode.LONG
    stop_policy: StopPolicy | None = None
    schedule: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", parse_mode(self.direction))
        if self.schedule is not None:
            CronSchedule.parse(self.schedule)  # fail now, with the parser's message

    @property
    def cron(self) -> CronSchedule | None:
        return CronSchedule.parse(self.schedule) if self.schedule else None

    def to_dict(self) -> dict[str, JSONValue]:
        policy: dict[str, JSONValue] | None = None
        if self.stop_policy is not None:
            policy = asdict(self.stop_policy)
            policy["trailing"] = self.stop_policy.trailing.value
            if math.isinf(self.stop_policy.time_stop_min_r):  # JSON has no infinities
                policy["time_stop_min_r"] = "inf" if self.stop_policy.time_stop_min_r > 0 else "-inf"
        return {
            "direction": self.direction.name.lower(),
            "stop_policy": policy,
            "schedule": self.schedule,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionOptions:
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"Session options must be a JSON object, got {data!r}.",
                hint=f"Write an object with any of: {', '.join(_KEYS)} (as to_dict() does).",
            )
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ValidationError(
                f"Unknown session option(s): {', '.join(unknown)}.",
                hint=f"Known: {', '.join(_KEYS)}.",
            )
        raw = data.get("stop_policy")
        policy = None
        if raw is not None:
            if not isinstance(raw, Mapping):
                raise ValidationError(
                    f"Session option stop_policy must be a JSON object or null, got {raw!r}.",
                    hint="Write it as SessionOptions.to_dict() does.",
                )
            policy = _stop_policy(raw)
        return cls(
            direction=parse_mode(data.get("direction", "long")),
            stop_policy=policy,
            schedule=data.get("schedule"),
        )


def _stop_policy(raw: Mapping[str, Any]) -> StopPolicy:
    """``StopPolicy`` from its ``SessionOptions.to_dict()`` form."""
    unknown = sorted(set(raw) - _POLICY_KEYS)
    if unknown:
        raise ValidationError(
            f"Unknown stop_policy field(s) in the session options: {', '.join(unknown)}.",
            hint=f"Known: {', '.join(sorted(_POLICY_KEYS))}.",
        )
    values = dict(raw)
    trailing = values.get("trailing", TrailingKind.NONE.value)
    try:
        values["trailing"] = TrailingKind(trailing)
    except ValueError as exc:
        raise ValidationError(
            f"Unknown stop_policy trailing {trailing!r}.",
            hint=f"Use one of: {', '.join(k.value for k in TrailingKind)}.",
        ) from exc
    bound = values.get("time_stop_min_r")
    if bound is None or bound == "inf":  # to_dict writes ±inf as text (null: older form)
        values["time_stop_min_r"] = math.inf
    elif bound == "-inf":
        values["time_stop_min_r"] = -math.inf
    return StopPolicy(**values)


__all__ = ["Mode", "SessionOptions", "parse_mode"]
