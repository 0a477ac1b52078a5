"""Composition root (layer 7): turns ``Settings`` into configured components.

Boundary: the only place that picks concrete adapters for ports and opens the database
from settings. The CLI and the API call into here; nothing below imports it.
"""

from tradegraph.bootstrap.logging_config import configure_logging
from tradegraph.bootstrap.system import SystemInfo, open_database_from, system_info

__all__ = ["SystemInfo", "configure_logging", "open_database_from", "system_info"]
