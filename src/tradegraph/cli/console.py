"""Shared rich consoles and error rendering for the CLI."""

from __future__ import annotations

from rich.console import Console

from tradegraph.core.errors import TradegraphError

console = Console()
err_console = Console(stderr=True)


def render_error(exc: TradegraphError) -> None:
    """Print a tradegraph error as the user should see it: code, message, fix."""
    err_console.print(f"[bold red]error[/] [dim]({exc.code})[/] {exc.message}")
    if exc.hint:
        err_console.print(f"[yellow]hint:[/] {exc.hint}")


__all__ = ["console", "err_console", "render_error"]
