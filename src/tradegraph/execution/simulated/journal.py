"""The ``VenueJournal`` port: where the simulated venue appends its events, and an
in-memory implementation.

The venue appends each event *before* applying it (write-ahead), so whatever a journal
kept is a prefix of what the venue did, and a new venue over the same journal replays
it into the identical state. A journal has one writer: the venue that owns it. The
file-backed journal (JSON lines, survives a kill -9) is
``tradegraph.adapters.brokers.simulated_journal.FileVenueJournal``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tradegraph.execution.simulated.events import VenueEvent


@runtime_checkable
class VenueJournal(Protocol):
    """Durable, append-only log of venue events."""

    def append(self, event: VenueEvent) -> None:
        """Store ``event`` after every earlier one; raise if it could not be stored."""
        ...

    def read(self) -> Sequence[VenueEvent]:
        """Every stored event, oldest first."""
        ...


class MemoryVenueJournal:
    """A journal in a list: survives a venue being rebuilt, not the process."""

    def __init__(self) -> None:
        self._events: list[VenueEvent] = []
        self._lock = threading.Lock()

    def append(self, event: VenueEvent) -> None:
        with self._lock:
            self._events.append(event)

    def read(self) -> Sequence[VenueEvent]:
        with self._lock:
            return tuple(self._events)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)


__all__ = ["MemoryVenueJournal", "VenueJournal"]
