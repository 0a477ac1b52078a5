"""The structured answer of an analyst: direction, confidence, approval and reasoning."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AnalystRole(StrEnum):
    """What an analyst node is asked to do."""

    TECHNICAL_ANALYST = "technical_analyst"
    RISK_REVIEWER = "risk_reviewer"


class AnalystVerdict(BaseModel):
    """An analyst's answer for one decision point.

    ``direction`` is the view; ``approve`` says whether the analyst would act on it (a
    risk reviewer approves or vetoes the proposal it was shown); ``confidence`` in [0, 1].
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    direction: Literal["long", "short", "flat"]
    confidence: float = Field(ge=0.0, le=1.0)
    approve: bool
    reasoning: str = Field(max_length=2000)

    @property
    def sign(self) -> int:
        return {"long": 1, "short": -1, "flat": 0}[self.direction]


__all__ = ["AnalystRole", "AnalystVerdict"]
