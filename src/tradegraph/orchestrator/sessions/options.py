"""Session options the runner needs beyond ``SessionSpec``: the backtest direction mode,
the stop policy and the decision schedule.

TODO(P1 / lead): these belong in ``SessionSpec`` as typed fields (``direction``,
``stop_policy``, ``schedule``). Until ``spec.py`` has them they ride in
``SessionSpec.params`` under the reserved key ``OPTIONS_KEY`` as one JSON string, so they
are persisted with the spec and a resumed session behaves exactly like the first run;
``split_params`` separates them from the workflow's own parameter overrides.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tradegraph.backtest.config import Direction as Mode
from tradegraph.core.errors import ValidationError
from tradegraph.orchestrator.sessions.schedule import CronSchedule
from tradegraph.risk.stops import StopPolicy, TrailingKind

OPTIONS_KEY = "_session"
"""The reserved ``SessionSpec.params`` key holding the options (JSON)."""

_MODES = {m.name.lower(): m for m in Mode}


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

    def to_dict(self) -> dict[str, Any]:
        policy = None
        if self.stop_policy is not None:
            policy = asdict(self.stop_policy)
            policy["trailing"] = self.stop_policy.trailing.value
            if math.isinf(self.stop_policy.time_stop_min_r):
                policy["time_stop_min_r"] = None
        return {
            "direction": self.direction.name.lower(),
            "stop_policy": policy,
            "schedule": self.schedule,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionOptions:
        unknown = sorted(set(data) - {"direction", "stop_policy", "schedule"})
        if unknown:
            raise ValidationError(
                f"Unknown session option(s): {', '.join(unknown)}.",
                hint="Known: direction, stop_policy, schedule.",
            )
        raw = data.get("stop_policy")
        policy = None
        if raw is not None:
            values = dict(raw)
            values["trailing"] = TrailingKind(values.get("trailing", "none"))
            if values.get("time_stop_min_r") is None:
                values["time_stop_min_r"] = math.inf
            policy = StopPolicy(**values)
        return cls(
            direction=parse_mode(data.get("direction", "long")),
            stop_policy=policy,
            schedule=data.get("schedule"),
        )

    def to_param(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def split_params(
    params: Mapping[str, int | float | bool | str],
) -> tuple[SessionOptions, dict[str, int | float | bool | str]]:
    """(the session options, the workflow parameter overrides) of ``SessionSpec.params``."""
    rest = {k: v for k, v in params.items() if k != OPTIONS_KEY}
    raw = params.get(OPTIONS_KEY)
    if raw is None:
        return SessionOptions(), rest
    try:
        data = json.loads(str(raw))
    except ValueError as exc:
        raise ValidationError(
            f"Session options {raw!r} are not JSON.", hint="Build them with to_param()."
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError(
            f"Session options {raw!r} are not a JSON object.", hint="Build them with to_param()."
        )
    return SessionOptions.from_dict(data), rest


def with_options(
    params: Mapping[str, int | float | bool | str], options: SessionOptions
) -> dict[str, int | float | bool | str]:
    """``params`` carrying ``options`` (see the module docstring)."""
    return {
        **{k: v for k, v in params.items() if k != OPTIONS_KEY},
        OPTIONS_KEY: options.to_param(),
    }


__all__ = ["OPTIONS_KEY", "Mode", "SessionOptions", "parse_mode", "split_params", "with_options"]
