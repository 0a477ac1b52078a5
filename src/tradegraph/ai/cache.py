"""The response cache: one answer per (node, model, prompt hash), so re-runs are free.

A backtest asks an analyst node the same question at the same bar every time it runs
(same data, same parameters, same prompt), so the first run's answers make every later
run exactly reproducible and free, even with a non-deterministic remote model.
``InMemoryResponseCache`` lives for a process; ``FileResponseCache`` appends one JSON line
per answer to a file and reloads it, so the answers survive between runs.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Protocol

from tradegraph.ai.ports import CompletionRequest, LLMPort, SchemaT
from tradegraph.core.errors import DataFormatError
from tradegraph.core.ids import content_hash


class ResponseCache(Protocol):
    """Stores the JSON text of a structured response under a key."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str) -> None: ...


def cache_key(node: str, model: str, request: CompletionRequest) -> str:
    """The cache key of ``request`` asked by workflow node ``node`` of ``model``."""
    prompt_hash = content_hash(request.as_json())
    return content_hash({"node": node, "model": model, "prompt": prompt_hash})


class InMemoryResponseCache:
    """A thread-safe dict of responses (for one process)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


class FileResponseCache:
    """Responses in a JSON-lines file (``{"key": ..., "value": ...}`` per line).

    The file is read once on construction and appended to on every ``put``. A torn last
    line (a crash mid-write) is ignored; any other unreadable line is an error.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._memory = InMemoryResponseCache()
        self._lock = threading.Lock()
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key, value = str(record["key"]), str(record["value"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                if number == len(lines):
                    break  # torn last write: drop it, the answer is asked again
                raise DataFormatError(
                    f"Response cache {self.path} line {number} is not a cache record ({exc}).",
                    hint="Delete the file to start an empty cache.",
                ) from exc
            self._memory.put(key, value)

    def get(self, key: str) -> str | None:
        return self._memory.get(key)

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "value": value}, sort_keys=True) + "\n")
            self._memory.put(key, value)

    def __len__(self) -> int:
        return len(self._memory)


class CachedLLM:
    """An LLM port behind a response cache, counting hits and calls."""

    def __init__(self, provider: LLMPort, cache: ResponseCache | None = None) -> None:
        self.provider = provider
        self.cache: ResponseCache = cache if cache is not None else InMemoryResponseCache()
        self._lock = threading.Lock()
        self.hits = 0
        self.calls = 0

    @property
    def name(self) -> str:
        return self.provider.name

    def complete(self, request: CompletionRequest, schema: type[SchemaT], *, node: str) -> SchemaT:
        """The cached answer for (node, model, prompt), asking the provider on a miss."""
        key = cache_key(node, request.model, request)
        cached = self.cache.get(key)
        if cached is not None:
            with self._lock:
                self.hits += 1
            return schema.model_validate_json(cached)
        answer = self.provider.complete(request, schema)
        self.cache.put(key, answer.model_dump_json())
        with self._lock:
            self.calls += 1
        return answer


__all__ = [
    "CachedLLM",
    "FileResponseCache",
    "InMemoryResponseCache",
    "ResponseCache",
    "cache_key",
]
