"""`tradegraph workflow ...`: list templates, create, validate, show and diff workflows.

Thin: each command parses its arguments, calls one use case of
``tradegraph.services.workflows`` (or the workflow package for pure views such as the
JSON Schema) and renders the result with rich. ``validate`` exits with status 1 when
the workflow has errors, so scripts and CI can gate on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from tradegraph.cli.console import console
from tradegraph.services import workflows as service
from tradegraph.workflow.hashing import diff_specs
from tradegraph.workflow.issues import ValidationReport
from tradegraph.workflow.nodes import default_registry
from tradegraph.workflow.params import parse_overrides
from tradegraph.workflow.spec import workflow_json_schema

app = typer.Typer(
    help="Workflows: strategies as typed node graphs (templates, new, validate, show).",
    no_args_is_help=True,
)

SourceArg = Annotated[str, typer.Argument(help="A workflow file (.yaml/.json) or a template name.")]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Override a workflow parameter: NAME=VALUE (repeatable)."),
]


def _render_report(report: ValidationReport) -> None:
    for issue in (*report.errors, *report.warnings):
        mark = "[red]error[/]" if issue.severity == "error" else "[yellow]warning[/]"
        where = ".".join(p for p in (issue.node, issue.port or issue.param) if p)
        place = f" [bold]{where}[/]" if where else ""
        console.print(f"{mark} [dim]({issue.code})[/]{place}: {issue.message}", highlight=False)
        console.print(f"  [yellow]fix:[/] {issue.hint}", highlight=False)


@app.command("templates")
def templates() -> None:
    """List the workflow templates shipped with tradegraph."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("name", style="bold")
    table.add_column("title")
    table.add_column("tags")
    table.add_column("description", overflow="fold")
    for info in service.templates():
        summary = info.description.split(". ")[0].rstrip(".") + "."
        table.add_row(info.name, info.title, ", ".join(info.tags), summary)
    console.print(table)
    console.print("Create one: [bold]tradegraph workflow new --template NAME -o my.yaml[/]")


@app.command("new")
def new(
    template: Annotated[str, typer.Option("--template", "-t", help="Template to start from.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.yaml/.json).")],
    workflow_id: Annotated[
        str | None, typer.Option("--id", help="Workflow id (default: the template's).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Create a workflow file from a template."""
    created = service.create_from_template(
        template, output, overwrite=force, workflow_id=workflow_id
    )
    console.print(f"[green]created[/] {output} from template [bold]{template}[/]")
    console.print(
        f"Edit it, then: tradegraph workflow validate {output} · "
        f"tradegraph workflow show {output} · id {created.spec.metadata.id}"
    )


@app.command("validate")
def validate(source: SourceArg, param: ParamOpt = None) -> None:
    """Validate a workflow; every problem names the node and port and how to fix it."""
    result = service.check_source(source, parse_overrides(param or []))
    _render_report(result.report)
    if not result.report.ok:
        console.print(f"[red]✗[/] {result.origin}: {len(result.report.errors)} error(s)")
        raise typer.Exit(1)
    hash_text = f" · hash {result.content_hash[:12]}" if result.content_hash else ""
    warnings = len(result.report.warnings)
    suffix = f" ({warnings} warning(s))" if warnings else ""
    console.print(f"[green]✓[/] {result.origin} is valid{suffix}{hash_text}")


@app.command("show")
def show(source: SourceArg, param: ParamOpt = None) -> None:
    """Draw the workflow graph in the terminal and list its parameters."""
    view = service.describe_source(source, parse_overrides(param or []))
    meta = view.spec.metadata
    console.print(f"[bold]{meta.name}[/] ({meta.id} v{meta.version}) · {view.origin}")
    console.print(f"hash {view.content_hash[:12]} · base timeframe {view.base_timeframe}", end="")
    console.print(f" · warm-up ≈ {view.warmup_bars} bars" if view.warmup_bars is not None else "")
    if meta.description:
        console.print(" ".join(meta.description.split()), style="dim")
    console.print()
    for line in view.tree:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if view.parameters:
        table = Table(title="parameters", box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("name", "type", "value", "default", "range", "step", "description"):
            table.add_column(column, overflow="fold")
        for row in view.parameters:
            table.add_row(
                row.name, row.type, row.value, row.default, row.range, row.step, row.description
            )
        console.print(table)
    if view.spec.constraints:
        console.print("constraints: " + ", ".join(view.spec.constraints))
    _render_report(view.report)
    if not view.report.ok:
        raise typer.Exit(1)


@app.command("diff")
def diff(before: SourceArg, after: SourceArg) -> None:
    """Show what changed between two workflow versions."""
    a = service.resolve_source(before).spec
    b = service.resolve_source(after).spec
    result = diff_specs(a, b)
    console.print(f"{result.before_hash[:12]} → {result.after_hash[:12]}")
    console.print(result.render(), highlight=False, markup=False)


@app.command("nodes")
def nodes(
    category: Annotated[
        str | None, typer.Option("--category", "-c", help="Only this category.")
    ] = None,
) -> None:
    """List the node types a workflow can use, with their ports and parameters."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("type", "category", "inputs", "outputs", "params"):
        table.add_column(column, overflow="fold")
    for node_type in default_registry().types():
        if category and node_type.category != category:
            continue
        table.add_row(
            node_type.name,
            node_type.category,
            ", ".join(
                f"{p.name}:{p.type.value}{'*' if p.variadic else ''}" for p in node_type.inputs
            ),
            ", ".join(f"{p.name}:{p.type.value}" for p in node_type.outputs),
            ", ".join(p.name for p in node_type.params),
        )
    console.print(table)


@app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file instead.")
    ] = None,
) -> None:
    """Print the workflow JSON Schema (for editors and the web studio)."""
    text = json.dumps(workflow_json_schema(), indent=2)
    if output is None:
        console.print_json(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"[green]wrote[/] {output}")


__all__ = ["app"]
