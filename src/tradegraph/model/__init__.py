"""Domain model (layer 1): immutable values shared by every other package.

Boundary: imports only ``tradegraph.core`` and the standard library. No I/O, no pandas,
no persistence concerns; ORM rows are mapped to these values in ``persistence``.
"""

from tradegraph.model.timeframe import Timeframe

__all__ = ["Timeframe"]
