"""Workflow templates shipped with the package (YAML package data).

``list_templates()`` describes them, ``load_template(name)`` parses one into a
:class:`~tradegraph.workflow.spec.WorkflowSpec`. Every template validates and backtests
(the test suite checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from tradegraph.core.errors import NotFoundError
from tradegraph.indicators.specs import did_you_mean
from tradegraph.workflow.io import loads
from tradegraph.workflow.spec import WorkflowSpec


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """A shipped template: its name (file stem), title, description and tags."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]


def template_names() -> tuple[str, ...]:
    """The names of the shipped templates, sorted."""
    root = resources.files(__name__)
    return tuple(
        sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))
    )


def template_text(name: str) -> str:
    """The YAML text of template ``name``."""
    names = template_names()
    if name not in names:
        raise NotFoundError(f"No workflow template named {name!r}.", hint=did_you_mean(name, names))
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_template(name: str) -> WorkflowSpec:
    """Template ``name`` as a spec."""
    return loads(template_text(name), "yaml", f"Template {name!r}")


def list_templates() -> list[TemplateInfo]:
    """Every shipped template, described."""
    out = []
    for name in template_names():
        spec = load_template(name)
        meta = spec.metadata
        out.append(TemplateInfo(name, meta.name, " ".join(meta.description.split()), meta.tags))
    return out


__all__ = ["TemplateInfo", "list_templates", "load_template", "template_names", "template_text"]
