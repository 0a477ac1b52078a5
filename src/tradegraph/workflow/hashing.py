"""Version identity and differences: a canonical content hash, and a structural diff.

The hash is the SHA-256 of the canonical JSON (sorted keys, no whitespace) of the whole
spec, so the same workflow has the same hash whether it was written as YAML or JSON,
with any key order or formatting. A published version is immutable: its hash is its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tradegraph.core.ids import content_hash
from tradegraph.workflow.spec import WorkflowSpec

ChangeKind = Literal["added", "removed", "changed"]


def spec_hash(spec: WorkflowSpec) -> str:
    """The canonical content hash of a workflow version (64 hex characters)."""
    return content_hash(spec.model_dump(mode="json"))


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: what (``path``), how (``kind``), before and after."""

    kind: ChangeKind
    path: str
    before: object = None
    after: object = None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {self.after!r}"
        if self.kind == "removed":
            return f"- {self.path}: {self.before!r}"
        return f"~ {self.path}: {self.before!r} → {self.after!r}"


@dataclass(frozen=True, slots=True)
class SpecDiff:
    """The differences between two workflow versions (empty when identical)."""

    before_hash: str
    after_hash: str
    changes: tuple[Change, ...]

    @property
    def identical(self) -> bool:
        return not self.changes

    def render(self) -> str:
        return "\n".join(str(c) for c in self.changes) or "(no changes)"


def _diff_maps(path: str, a: Mapping[str, object], b: Mapping[str, object]) -> list[Change]:
    out: list[Change] = []
    for key in a:
        if key not in b:
            out.append(Change("removed", f"{path}.{key}", before=a[key]))
        elif a[key] != b[key]:
            if isinstance(a[key], Mapping) and isinstance(b[key], Mapping):
                out.extend(_diff_maps(f"{path}.{key}", a[key], b[key]))  # type: ignore[arg-type]
            else:
                out.append(Change("changed", f"{path}.{key}", a[key], b[key]))
    out.extend(Change("added", f"{path}.{key}", after=b[key]) for key in b if key not in a)
    return out


def _keyed(items: list[dict[str, object]], key: str) -> dict[str, object]:
    return {str(item[key]): {k: v for k, v in item.items() if k != key} for item in items}


def diff_specs(before: WorkflowSpec, after: WorkflowSpec) -> SpecDiff:
    """Structural differences: metadata fields, parameters and inputs by name, nodes by
    id (type, params, label, position), edges and constraints as sets, outputs by name."""
    a = before.model_dump(mode="json")
    b = after.model_dump(mode="json")
    changes: list[Change] = []
    changes.extend(_diff_maps("metadata", a["metadata"], b["metadata"]))
    for section, key in (
        ("parameters", "name"),
        ("inputs", "name"),
        ("nodes", "id"),
        ("outputs", "name"),
    ):
        changes.extend(_diff_maps(section, _keyed(a[section], key), _keyed(b[section], key)))
    for section in ("edges", "constraints"):
        old = [_edge_text(e) for e in a[section]]
        new = [_edge_text(e) for e in b[section]]
        changes.extend(Change("removed", section, before=e) for e in old if e not in new)
        changes.extend(Change("added", section, after=e) for e in new if e not in old)
    if a["schema_version"] != b["schema_version"]:
        changes.append(
            Change("changed", "schema_version", a["schema_version"], b["schema_version"])
        )
    return SpecDiff(spec_hash(before), spec_hash(after), tuple(changes))


def _edge_text(edge: object) -> str:
    if isinstance(edge, Mapping):
        condition = f" if {edge['condition']}" if edge.get("condition") else ""
        return f"{edge['source']} → {edge['target']}{condition}"
    return str(edge)


__all__ = ["Change", "ChangeKind", "SpecDiff", "diff_specs", "spec_hash"]
