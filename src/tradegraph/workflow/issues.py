"""Validation issues and the report that collects them.

Each :class:`Issue` has a stable ``code``, names the node, port or parameter at fault,
says what is wrong (``message``) and how to fix it (``hint``). A report renders as text
for the CLI and as a list of dicts for the API.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tradegraph.core.errors import ValidationError

Severity = Literal["error", "warning"]


_LISTED = 12


def suggest(word: str, options: Sequence[str], *, listing: str = "") -> str:
    """A "did you mean" hint: the closest option, plus the options when there are few
    (else ``listing``, e.g. where to look them up)."""
    close = difflib.get_close_matches(word, list(options), n=1)
    parts = [f"Did you mean {close[0]!r}?"] if close else []
    if len(options) <= _LISTED:
        parts.append(f"Known: {', '.join(options)}.")
    elif listing:
        parts.append(listing)
    return " ".join(parts) or "Check the spelling."


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a workflow."""

    code: str
    message: str
    hint: str
    node: str | None = None
    port: str | None = None
    param: str | None = None
    severity: Severity = "error"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "node": self.node,
            "port": self.port,
            "param": self.param,
        }

    def __str__(self) -> str:
        return f"{self.message} Hint: {self.hint}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """All issues of one workflow; ``ok`` when there is no error (warnings allowed)."""

    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.issues)

    def to_list(self) -> list[dict[str, str | None]]:
        """The issues as JSON-ready dicts (for the API)."""
        return [i.to_dict() for i in self.issues]

    def render(self) -> str:
        """One line per issue (with its hint), errors first."""
        ordered = (*self.errors, *self.warnings)
        return "\n".join(f"{i.severity}: [{i.code}] {i}" for i in ordered)

    def raise_for_errors(self, what: str = "The workflow") -> None:
        """Raise a ValidationError listing every error (no-op when ``ok``)."""
        if self.ok:
            return
        errors = self.errors
        if len(errors) == 1:
            raise ValidationError(
                f"{what}: [{errors[0].code}] {errors[0].message}", hint=errors[0].hint
            )
        lines = "\n".join(f"  - [{i.code}] {i.message} Hint: {i.hint}" for i in errors)
        raise ValidationError(
            f"{what} has {len(errors)} errors:\n{lines}", hint="Fix the errors listed above."
        )


__all__ = ["Issue", "Severity", "ValidationReport", "suggest"]
