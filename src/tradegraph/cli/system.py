"""`tradegraph info`, `tradegraph db upgrade`, `tradegraph audit verify`."""

from __future__ import annotations

import typer
from rich.table import Table

from tradegraph.bootstrap import open_database_from, system_info
from tradegraph.cli.console import console
from tradegraph.core.clock import LiveClock
from tradegraph.persistence.audit import AuditJournal
from tradegraph.settings import get_settings

db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit journal.", no_args_is_help=True)


def info() -> None:
    """Show version, paths, database URL and migration state."""
    data = system_info(get_settings())
    table = Table(title="tradegraph", show_header=False, title_justify="left")
    table.add_column("key", style="bold cyan")
    table.add_column("value")
    table.add_row("version", data.version)
    table.add_row("python", f"{data.python} ({data.platform})")
    table.add_row("data dir", str(data.data_dir))
    table.add_row("catalog dir", str(data.catalog_dir))
    table.add_row("database", data.database_url)
    if data.database_error:
        table.add_row("schema", f"[red]unavailable[/]: {data.database_error}")
    elif data.schema_up_to_date:
        table.add_row("schema", f"[green]up to date[/] (revision {data.schema_current})")
    else:
        current = data.schema_current or "empty"
        table.add_row(
            "schema",
            f"[yellow]{current}[/] → head {data.schema_head} "
            "(applied on first use, or run `tradegraph db upgrade`)",
        )
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations to the configured database."""
    database = open_database_from(get_settings(), migrate=False)
    try:
        before = database.migration_state()
        database.upgrade()
        after = database.migration_state()
    finally:
        database.dispose()
    if before.current == after.current:
        console.print(f"[green]Already up to date[/] (revision {after.current}).")
    else:
        console.print(
            f"[green]Upgraded[/] {before.current or 'empty'} → {after.current} (head {after.head})."
        )


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole audit chain; exit 1 and name the first broken entry if tampered."""
    database = open_database_from(get_settings())
    try:
        result = AuditJournal(database, LiveClock()).verify()
    finally:
        database.dispose()
    if result.ok:
        console.print(
            f"[green]OK[/] audit journal intact: {result.count} entries, head {result.head_hash}",
            soft_wrap=True,
        )
        return
    console.print(
        f"[bold red]BROKEN[/] audit journal: first broken entry seq={result.first_broken_seq}: "
        f"{result.problem} ({result.count} entries checked)",
        soft_wrap=True,
    )
    raise typer.Exit(code=1)


__all__ = ["audit_app", "db_app", "info"]
