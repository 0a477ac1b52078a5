"""The embedded default LLM provider: deterministic rules, offline, no key.

It answers analyst requests (schema :class:`AnalystVerdict`) by parsing the JSON context
block of the prompt, exactly the text a real model would read, and applying fixed rules:

- technical analyst: every feature value is a vote in [-1, 1]; a momentum vote
  ``tanh(return / (volatility × sqrt(bars − 1)))`` comes from the recent bars. The score is
  the mean vote, the agreement ``|Σv| / Σ|v|``, the confidence ``|score| × agreement``.
  Long above +0.05, short below −0.05, else flat; approve when not flat and the
  confidence reaches ``limits.min_confidence``.
- risk reviewer: the proposal is the mean of the features; approve when it is not flat,
  its strength ``|proposal|`` reaches ``limits.min_confidence`` and recent volatility (the
  population standard deviation of bar-to-bar returns) is at most
  ``limits.max_volatility``; confidence is the strength damped by the volatility.

Same prompt, same answer: nothing depends on time, randomness or state.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Literal

from tradegraph.ai.ports import CompletionRequest, SchemaT
from tradegraph.ai.prompts import AnalystContext, extract_context
from tradegraph.ai.verdict import AnalystRole, AnalystVerdict
from tradegraph.core.errors import ValidationError

RULE_BASED_MODEL = "rule-based"
_DEAD_ZONE = 0.05
_SHOWN_VOTES = 4


def _votes(context: AnalystContext) -> list[tuple[str, float]]:
    out = []
    for name in sorted(context.features):
        value = context.features[name]
        if value is not None and math.isfinite(value):
            out.append((name, max(-1.0, min(1.0, value))))
    return out


def _returns(closes: Sequence[float]) -> list[float]:
    return [b / a - 1.0 for a, b in itertools.pairwise(closes) if a > 0]


def _volatility(closes: Sequence[float]) -> float:
    rets = _returns(closes)
    if not rets:
        return 0.0
    mean = math.fsum(rets) / len(rets)
    return math.sqrt(math.fsum((r - mean) ** 2 for r in rets) / len(rets))


def _momentum_vote(closes: Sequence[float]) -> float | None:
    if len(closes) < 2 or closes[0] <= 0:
        return None
    move = closes[-1] / closes[0] - 1.0
    vol = _volatility(closes)
    if vol <= 0:
        return float(math.copysign(1.0, move)) if move else 0.0
    return math.tanh(move / (vol * math.sqrt(len(closes) - 1)))


def _direction(score: float) -> Literal["long", "short", "flat"]:
    if score > _DEAD_ZONE:
        return "long"
    if score < -_DEAD_ZONE:
        return "short"
    return "flat"


def _technical(context: AnalystContext) -> AnalystVerdict:
    votes = _votes(context)
    momentum = _momentum_vote([b.close for b in context.bars])
    if momentum is not None:
        votes.append(("price_momentum", momentum))
    if not votes:
        return AnalystVerdict(
            direction="flat", confidence=0.0, approve=False, reasoning="No usable evidence."
        )
    total = math.fsum(v for _, v in votes)
    spread = math.fsum(abs(v) for _, v in votes)
    score = total / len(votes)
    agreement = abs(total) / spread if spread > 0 else 0.0
    confidence = min(1.0, abs(score) * agreement)
    direction = _direction(score)
    approve = direction != "flat" and confidence >= context.limits.min_confidence
    shown = sorted(votes, key=lambda nv: (-abs(nv[1]), nv[0]))[:_SHOWN_VOTES]
    listing = ", ".join(f"{name} {value:+.2f}" for name, value in shown)
    reasoning = (
        f"Technical view {direction}: score {score:+.3f} from {len(votes)} signals "
        f"({listing}); agreement {agreement:.2f}; confidence {confidence:.2f} vs minimum "
        f"{context.limits.min_confidence:.2f}, so {'act' if approve else 'hold'}."
    )
    return AnalystVerdict(
        direction=direction,
        confidence=confidence,
        approve=approve,
        reasoning=reasoning,
    )


def _risk(context: AnalystContext) -> AnalystVerdict:
    votes = _votes(context)
    if not votes:
        return AnalystVerdict(
            direction="flat", confidence=0.0, approve=False, reasoning="No proposal to review."
        )
    proposal = math.fsum(v for _, v in votes) / len(votes)
    strength = min(1.0, abs(proposal))
    vol = _volatility([b.close for b in context.bars])
    limits = context.limits
    direction = _direction(proposal)
    reasons = []
    if direction == "flat":
        reasons.append("the proposal is flat")
    if strength < limits.min_confidence:
        reasons.append(f"strength {strength:.2f} is below {limits.min_confidence:.2f}")
    if vol > limits.max_volatility:
        reasons.append(f"volatility {vol:.4f} exceeds {limits.max_volatility:.4f}")
    approve = not reasons
    confidence = strength * max(0.0, 1.0 - vol / (2.0 * limits.max_volatility))
    outcome = "approved" if approve else "vetoed: " + "; ".join(reasons)
    reasoning = (
        f"Risk review of a {direction} proposal (strength {strength:.2f}, volatility "
        f"{vol:.4f} vs limit {limits.max_volatility:.4f}): {outcome}."
    )
    return AnalystVerdict(
        direction=direction,
        confidence=confidence,
        approve=approve,
        reasoning=reasoning,
    )


class RuleBasedProvider:
    """Deterministic analyst answers computed from the prompt's context block."""

    @property
    def name(self) -> str:
        return RULE_BASED_MODEL

    def complete(self, request: CompletionRequest, schema: type[SchemaT]) -> SchemaT:
        if not issubclass(schema, AnalystVerdict):
            raise ValidationError(
                f"The rule-based provider answers only AnalystVerdict requests, got "
                f"{schema.__name__}.",
                hint="Configure an LLM endpoint for free-form schemas.",
            )
        context = extract_context(request)
        if context.role is AnalystRole.RISK_REVIEWER:
            verdict = _risk(context)
        else:
            verdict = _technical(context)
        return schema.model_validate(verdict.model_dump())


__all__ = ["RULE_BASED_MODEL", "RuleBasedProvider"]
