"""FileVenueJournal: the simulated venue's journal as a JSON-lines file.

One event per line (``tradegraph.execution.simulated.encode_event``), appended and
flushed to the operating system before ``append`` returns. Durability:

- ``fsync=False`` (default): a flushed line is in the OS page cache, so it survives the
  trading process being killed (``kill -9``, a crash) but not a power loss or an OS
  crash.
- ``fsync=True``: every append is also ``fsync``-ed (and the directory once, when the
  file is created), so it survives an OS crash too, at the cost of a disk sync per event.

A crash in the middle of a write leaves an incomplete last line (no trailing newline).
Opening the journal drops that line (``discarded_bytes`` says how much) and truncates
the file to the last complete line: the event it held was never applied by the venue
(write-ahead), and its caller never got an answer. A damaged *complete* line is not
guessed at: opening fails with ``IntegrityError``.

One writer per file: the journal takes an exclusive ``flock`` on it and a second
journal over the same file (in any process) fails with ``PersistenceError`` until the
first is closed (or its process exits).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from tradegraph.core.errors import IntegrityError, PersistenceError
from tradegraph.execution.simulated.events import VenueEvent, decode_event, encode_event


class FileVenueJournal:
    """A ``VenueJournal`` in a JSON-lines file (see the module docstring)."""

    def __init__(self, path: Path | str, *, fsync: bool = False) -> None:
        self._path = Path(path)
        self._fsync = fsync
        self._lock = threading.Lock()
        created = not self._path.exists()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = self._path.open("a+b")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._file.close()
            raise PersistenceError(
                f"Venue journal {self._path} is in use by another writer.",
                hint="Close the other FileVenueJournal (or stop the process using it); a "
                "journal has exactly one writer.",
            ) from exc
        try:
            if created and fsync:
                _fsync_directory(self._path.parent)
            self._events, self._size, self.discarded_bytes = self._load()
        except BaseException:
            self.close()
            raise

    @property
    def path(self) -> Path:
        return self._path

    def append(self, event: VenueEvent) -> None:
        line = json.dumps(encode_event(event), separators=(",", ":"), sort_keys=True)
        data = line.encode() + b"\n"
        with self._lock:
            self._require_open()
            try:
                self._file.write(data)
                self._file.flush()
                if self._fsync:
                    os.fsync(self._file.fileno())
            except OSError as exc:
                # leave no partial line behind for the next append to be glued to
                with contextlib.suppress(OSError):
                    self._file.truncate(self._size)
                raise PersistenceError(
                    f"Could not append to venue journal {self._path}: {exc}.",
                    hint="Check free disk space and permissions; the event was not recorded.",
                ) from exc
            self._size += len(data)
            self._events.append(event)

    def read(self) -> Sequence[VenueEvent]:
        with self._lock:
            return tuple(self._events)

    def close(self) -> None:
        """Release the file (and its lock). Idempotent."""
        with self._lock:
            if not self._file.closed:
                with contextlib.suppress(OSError):
                    fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
                self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _require_open(self) -> None:
        if self._file.closed:
            raise PersistenceError(
                f"Venue journal {self._path} is closed.", hint="Open a new FileVenueJournal."
            )

    def _load(self) -> tuple[list[VenueEvent], int, int]:
        self._file.seek(0)
        data = self._file.read()
        end = data.rfind(b"\n") + 1
        discarded = len(data) - end
        if discarded:
            self._file.truncate(end)
            self._file.flush()
            if self._fsync:
                os.fsync(self._file.fileno())
        events: list[VenueEvent] = []
        for number, line in enumerate(data[:end].splitlines(), start=1):
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise IntegrityError(
                    f"Venue journal {self._path} line {number} is not valid JSON: {exc}.",
                    hint="Only an incomplete last line is dropped automatically; a damaged "
                    "complete line needs the journal restored from a backup.",
                ) from exc
            if not isinstance(obj, dict):
                raise IntegrityError(
                    f"Venue journal {self._path} line {number} is not a JSON object.",
                    hint="Restore the journal from a backup.",
                )
            events.append(decode_event(obj))
        return events, end, discarded


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["FileVenueJournal"]
