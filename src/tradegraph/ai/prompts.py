"""The analyst prompt: role instructions plus a JSON block of point-in-time context.

The context holds only what was known at the decision bar: the last ``lookback`` bars up
to and including it, the values of the features wired into the analyst node at that bar,
and the node's limits. It is embedded in the user message as a fenced JSON block, so a
real LLM reads it as text and the rule-based provider parses the very same block; the
cache hashes the whole prompt, so identical context means an identical cache key.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from tradegraph.ai.ports import CompletionRequest, Message
from tradegraph.ai.verdict import AnalystRole, AnalystVerdict
from tradegraph.core.errors import ValidationError

_BLOCK = re.compile(r"```json\n(.*?)\n```", re.DOTALL)


class BarSnapshot(BaseModel):
    """One bar as the analyst sees it (open time in ISO 8601 UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time: str
    open: float
    high: float
    low: float
    close: float
    volume: float


class AnalystLimits(BaseModel):
    """Thresholds the analyst applies (set by the node's parameters)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_confidence: float = Field(default=0.3, ge=0.0, le=1.0)
    max_volatility: float = Field(default=0.05, gt=0.0)


class AnalystContext(BaseModel):
    """Everything an analyst may use for one decision (all of it point-in-time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: AnalystRole
    symbol: str
    time: str
    bars: tuple[BarSnapshot, ...] = Field(min_length=1)
    features: dict[str, float | None] = Field(default_factory=dict)
    limits: AnalystLimits = Field(default_factory=AnalystLimits)


_INSTRUCTIONS = {
    AnalystRole.TECHNICAL_ANALYST: (
        "You are a technical analyst. From the recent bars and the feature values (each "
        "feature is a signal in [-1, 1], positive = bullish), decide whether to go long, "
        "short or stay flat at the last bar's close, with a confidence in [0, 1]. Approve "
        "only when your confidence reaches limits.min_confidence."
    ),
    AnalystRole.RISK_REVIEWER: (
        "You are a risk reviewer. The features carry the proposal under review (signals in "
        "[-1, 1]). Approve it only if recent volatility (standard deviation of bar returns) "
        "is at most limits.max_volatility and the proposal's strength reaches "
        "limits.min_confidence; otherwise veto it. Keep the proposal's direction."
    ),
}


def analyst_request(context: AnalystContext, model: str) -> CompletionRequest:
    """The chat request asking ``model`` for an :class:`AnalystVerdict` on ``context``."""
    payload = json.dumps(
        context.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    schema = json.dumps(AnalystVerdict.model_json_schema(), sort_keys=True)
    user = (
        f"Decide for {context.symbol} at {context.time}.\n"
        f"Context:\n```json\n{payload}\n```\n"
        f"Answer with one JSON object matching this schema:\n{schema}"
    )
    return CompletionRequest(
        model=model,
        messages=(Message("system", _INSTRUCTIONS[context.role]), Message("user", user)),
    )


def extract_context(request: CompletionRequest) -> AnalystContext:
    """The analyst context embedded in the last user message of ``request``."""
    users = [m for m in request.messages if m.role == "user"]
    match = _BLOCK.search(users[-1].content) if users else None
    if match is None:
        raise ValidationError(
            "The request carries no analyst context (no ```json block in a user message).",
            hint="Build analyst requests with tradegraph.ai.analyst_request().",
        )
    try:
        return AnalystContext.model_validate_json(match.group(1))
    except PydanticValidationError as exc:
        raise ValidationError(
            f"The analyst context in the request is malformed: {exc.errors()[0]['msg']}.",
            hint="Build analyst requests with tradegraph.ai.analyst_request().",
        ) from exc


__all__ = [
    "AnalystContext",
    "AnalystLimits",
    "BarSnapshot",
    "analyst_request",
    "extract_context",
]
