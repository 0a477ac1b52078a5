"""Loading and saving workflow specs as JSON or YAML.

Saving writes every field in declaration order (defaults included), so
``dump(load(dump(spec))) == dump(spec)`` and ``load(dump(spec)) == spec`` in both formats
and across them. Loading reports structural problems as a ValidationError naming each
field (``At nodes.2.params.period: ...``), or, with :func:`parse_document`, as issues.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError as PydanticValidationError

from tradegraph.core.errors import DataFormatError, NotFoundError, ValidationError
from tradegraph.workflow.checks import schema_issues
from tradegraph.workflow.issues import Issue, ValidationReport
from tradegraph.workflow.spec import WorkflowSpec

Format = Literal["json", "yaml"]


def format_of(path: Path) -> Format:
    """The format implied by a file name (``.json``, ``.yaml`` or ``.yml``)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ValidationError(
        f"Cannot tell the format of {path.name!r} from its extension.",
        hint="Name workflow files *.yaml, *.yml or *.json.",
    )


def _data(text: str, fmt: Format, origin: str) -> object:
    try:
        return json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DataFormatError(
            f"{origin} is not valid {fmt.upper()}: {exc}",
            hint="Fix the syntax at the position shown (YAML: check indentation; quote "
            "values that start with '{' such as \"{symbol}\").",
        ) from exc


def parse_document(
    text: str, fmt: Format, origin: str = "The workflow"
) -> tuple[WorkflowSpec | None, ValidationReport]:
    """A spec and no issues, or None and the structural issues of the document."""
    data = _data(text, fmt, origin)
    if not isinstance(data, dict):
        issue = Issue(
            "schema",
            f"{origin} must be a mapping with metadata, nodes, edges and outputs.",
            "Start from a template: tradegraph workflow new --template sma_cross -o my.yaml.",
        )
        return None, ValidationReport((issue,))
    try:
        return WorkflowSpec.model_validate(data), ValidationReport()
    except PydanticValidationError as exc:
        return None, ValidationReport(tuple(schema_issues(exc)))


def loads(text: str, fmt: Format, origin: str = "The workflow") -> WorkflowSpec:
    """Parse a spec; structural problems raise one ValidationError listing them all."""
    spec, report = parse_document(text, fmt, origin)
    report.raise_for_errors(origin)
    assert spec is not None
    return spec


def dumps(spec: WorkflowSpec, fmt: Format) -> str:
    """The spec as JSON (2-space indent) or block-style YAML, fields in model order."""
    data = spec.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if yaml.safe_load(text) != data:  # a few code points (e.g. U+0085) are not kept raw
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
    return text


def load(path: Path) -> WorkflowSpec:
    """Read a spec from a ``.yaml``/``.yml``/``.json`` file."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(
            f"Workflow file {str(path)!r} does not exist.",
            hint="Check the path, or create one: tradegraph workflow new --template sma_cross -o FILE.",
        )
    return loads(path.read_text(encoding="utf-8"), format_of(path), f"Workflow file {path.name!r}")


def save(spec: WorkflowSpec, path: Path) -> Path:
    """Write ``spec`` to ``path`` in the format its extension names."""
    path = Path(path)
    text = dumps(spec, format_of(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["Format", "dumps", "format_of", "load", "loads", "parse_document", "save"]
