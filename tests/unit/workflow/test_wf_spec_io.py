"""Spec documents: exact JSON/YAML round trips, canonical hashes, diffs, JSON Schema."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.workflow import io as wio
from tradegraph.workflow.hashing import diff_specs, spec_hash
from tradegraph.workflow.spec import WorkflowSpec, workflow_json_schema
from tradegraph.workflow.templates import load_template, template_names


@pytest.mark.parametrize("name", template_names())
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_templates_round_trip_exactly(name: str, fmt: wio.Format) -> None:
    spec = load_template(name)
    text = wio.dumps(spec, fmt)
    again = wio.loads(text, fmt)
    assert again == spec
    assert wio.dumps(again, fmt) == text
    other: wio.Format = "yaml" if fmt == "json" else "json"
    assert wio.loads(wio.dumps(again, other), other) == spec


def test_save_and_load_files(tmp_path: Path, wf: types.SimpleNamespace) -> None:
    spec = wf.sma_cross()
    for name in ("w.yaml", "w.yml", "w.json"):
        path = wio.save(spec, tmp_path / name)
        assert wio.load(path) == spec
    with pytest.raises(ValidationError):
        wio.save(spec, tmp_path / "w.txt")


_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_literals = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)


@st.composite
def _documents(draw: st.DrawFn) -> WorkflowSpec:
    ids = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    nodes = [
        {
            "id": i,
            "type": draw(_names),
            "params": draw(st.dictionaries(_names, _literals, max_size=3)),
        }
        for i in ids
    ]
    edges = [
        {
            "source": f"{draw(st.sampled_from(ids))}.{draw(_names)}",
            "target": f"{draw(st.sampled_from(ids))}.{draw(_names)}",
            "condition": draw(
                st.none() | st.builds(lambda a, b: f"{a}.{b}", st.sampled_from(ids), _names)
            ),
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    return WorkflowSpec.model_validate(
        {
            "metadata": {
                "id": "doc",
                "name": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
                "tags": draw(st.lists(_names, max_size=3)),
            },
            "parameters": [
                {"name": n, "type": "float", "default": draw(st.floats(-1e9, 1e9)), "step": 0.5}
                for n in draw(st.lists(_names, max_size=2, unique=True))
            ],
            "nodes": nodes,
            "edges": edges,
            "outputs": [{"name": "decision", "source": f"{ids[0]}.decision"}],
        }
    )


@settings(max_examples=60, deadline=None)
@given(_documents())
def test_any_document_round_trips_and_hashes_independently_of_format(spec: WorkflowSpec) -> None:
    for fmt in ("json", "yaml"):
        text = wio.dumps(spec, fmt)  # type: ignore[arg-type]
        again = wio.loads(text, fmt)  # type: ignore[arg-type]
        assert again == spec
        assert spec_hash(again) == spec_hash(spec)


def test_hash_ignores_formatting_and_key_order(wf: types.SimpleNamespace) -> None:
    spec = wf.sma_cross()
    data = json.loads(wio.dumps(spec, "json"))
    reordered = json.dumps(dict(reversed(list(data.items()))), indent=7)
    assert spec_hash(wio.loads(reordered, "json")) == spec_hash(spec)
    flow_yaml = yaml.safe_dump(data, default_flow_style=True)
    assert spec_hash(wio.loads(flow_yaml, "yaml")) == spec_hash(spec)
    assert len(spec_hash(spec)) == 64


def test_hash_changes_with_content_and_diff_lists_changes(wf: types.SimpleNamespace) -> None:
    before = wf.sma_cross()
    data = before.model_dump(mode="json")
    data["nodes"][1]["params"]["period"] = 7
    data["nodes"].append({"id": "spare", "type": "rsi", "params": {}})
    data["edges"] = [e for e in data["edges"] if e["target"] != "decide.short"]
    data["metadata"]["version"] = "1.1.0"
    after = WorkflowSpec.model_validate(data)
    assert spec_hash(after) != spec_hash(before)
    diff = diff_specs(before, after)
    rendered = {str(c) for c in diff.changes}
    assert "~ metadata.version: '1.0.0' → '1.1.0'" in rendered
    assert "~ nodes.fast.params.period: 5 → 7" in rendered
    assert any(c.kind == "added" and c.path == "nodes.spare" for c in diff.changes)
    assert "- edges: 'down.signal → decide.short'" in rendered
    assert len(diff.changes) == 4
    assert diff_specs(before, before).identical


def test_structural_errors_name_the_field() -> None:
    text = "metadata: {id: x, name: X}\nnodes:\n  - {id: a, type: feed, colour: red}\n"
    spec, report = wio.parse_document(text, "yaml")
    assert spec is None
    [issue] = report.issues
    assert issue.code == "schema"
    assert "nodes.0.colour" in issue.message
    assert "Remove the unknown field" in issue.hint
    with pytest.raises(ValidationError, match=r"nodes\.0\.colour"):
        wio.loads(text, "yaml")


def test_syntax_errors_are_explained() -> None:
    with pytest.raises(Exception, match="not valid YAML") as caught:
        wio.loads("metadata: {id: x\n", "yaml")
    assert "quote" in str(caught.value)


def test_json_schema_describes_the_document() -> None:
    schema = workflow_json_schema()
    assert schema["$id"].endswith("workflow-v1.json")  # type: ignore[union-attr]
    props = schema["properties"]
    assert set(props) >= {"metadata", "parameters", "inputs", "nodes", "edges", "outputs"}  # type: ignore[arg-type]
    json.dumps(schema)  # JSON-serialisable


def test_yaml_keeps_awkward_characters(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["metadata"]["description"] = "next\x85line → ok \u2028 sep"
    spec = WorkflowSpec.model_validate(data)
    assert wio.loads(wio.dumps(spec, "yaml"), "yaml") == spec
