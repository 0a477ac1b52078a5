"""The LLM port: one structured completion call, whatever serves it.

``complete(request, schema)`` returns an instance of ``schema`` (a pydantic model): a
provider either asks its model for JSON matching ``schema.model_json_schema()`` or, like
the embedded rule-based provider, computes the answer itself. Requests are plain values
so that they hash canonically (the response cache keys on them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from tradegraph.core.errors import ValidationError

Role = Literal["system", "user", "assistant"]
SchemaT = TypeVar("SchemaT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """What to ask: the model name, the messages, and the sampling temperature."""

    model: str
    messages: tuple[Message, ...]
    temperature: float = 0.0

    def __post_init__(self) -> None:
        if not self.model:
            raise ValidationError(
                "CompletionRequest.model is empty.",
                hint="Name the model, e.g. 'rule-based' for the embedded provider.",
            )
        if not self.messages:
            raise ValidationError(
                "CompletionRequest has no messages.",
                hint="Pass at least a user message with the question and its context.",
            )

    def as_json(self) -> dict[str, object]:
        """A JSON-ready view (what the cache hashes)."""
        return {
            "model": self.model,
            "temperature": self.temperature,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
        }


@runtime_checkable
class LLMPort(Protocol):
    """Anything that answers a completion request with a validated structured response."""

    @property
    def name(self) -> str:
        """The provider's name (for logs and reports)."""
        ...

    def complete(self, request: CompletionRequest, schema: type[SchemaT]) -> SchemaT:
        """Answer ``request`` with an instance of ``schema``."""
        ...


__all__ = ["CompletionRequest", "LLMPort", "Message", "Role", "SchemaT"]
