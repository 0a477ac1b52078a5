"""structlog configuration: readable console output on a TTY, JSON lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

from tradegraph.settings import Settings


def configure_logging(settings: Settings, stream: TextIO | None = None) -> str:
    """Configure structlog and the stdlib root logger; return the format chosen."""
    out = stream or sys.stderr
    fmt = settings.log_format
    if fmt == "auto":
        fmt = "console" if out.isatty() else "json"
    level = getattr(logging, settings.log_level)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor
    if fmt == "json":
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=out, format="%(levelname)s %(name)s: %(message)s")
    # Third-party chatter (alembic's "Context impl SQLiteImpl") only when debugging.
    for noisy in ("alembic", "ccxt", "urllib3", "numba"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return fmt


__all__ = ["configure_logging"]
