"""Identifiers: time-ordered unique ids, and deterministic ids from content.

- ``new_id(clock)`` gives a ULID-style 26-character Crockford base32 id whose first 48 bits
  are the clock's millisecond timestamp, so ids sort by creation time.
- ``content_id(*parts)`` and ``content_hash(obj)`` derive the same id from the same content
  every time: client order ids, dedupe keys, workflow version hashes.
- ``canonical_json(obj)`` is the one canonical encoding used for hashing (sorted keys, no
  whitespace, UTF-8, Decimal/datetime rendered as strings).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ValidationError

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last: list[int] = [0, 0]  # last (ms, random) pair, for monotonic ids within one millisecond


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(clock: Clock) -> str:
    """A unique, lexicographically time-ordered id (ULID layout: 48-bit ms + 80-bit random).

    Within one millisecond, ids from this process are strictly increasing.
    """
    ms = clock.timestamp_ns() // 1_000_000
    with _lock:
        if ms <= _last[0]:
            ms = _last[0]
            rand = _last[1] + 1
        else:
            rand = secrets.randbits(80)
        _last[0], _last[1] = ms, rand
    return _b32(ms, 10) + _b32(rand & ((1 << 80) - 1), 16)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValidationError(
                f"canonical_json cannot encode {obj}.", hint="Only finite numbers are hashable."
            )
        return str(obj.normalize())
    if isinstance(obj, datetime):
        if obj.tzinfo is None:
            raise ValidationError(
                f"canonical_json needs timezone-aware datetimes, got {obj!r}.",
                hint="Use datetime(..., tzinfo=datetime.UTC).",
            )
        return obj.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if hasattr(obj, "__dataclass_fields__"):
        return {name: getattr(obj, name) for name in obj.__dataclass_fields__}
    raise ValidationError(
        f"canonical_json cannot encode a value of type {type(obj).__name__}.",
        hint="Convert it to str, int, float, bool, list or dict first.",
    )


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON encoding used for every content hash."""
    return json.dumps(
        obj,
        default=_default,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def content_hash(obj: Any) -> str:
    """SHA-256 hex digest of ``canonical_json(obj)``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def content_id(*parts: str | int, length: int = 32) -> str:
    """A deterministic id from its parts, e.g. ``content_id(tenant, strategy, decision, leg)``.

    Parts are joined unambiguously (length-prefixed), hashed, and rendered in lowercase
    hex of ``length`` characters (8..64). Venues limit client order ids to ~36 characters.
    """
    if not 8 <= length <= 64:
        raise ValidationError(
            f"content_id length must be between 8 and 64, got {length}.",
            hint="Use 32 for client order ids.",
        )
    if not parts:
        raise ValidationError("content_id needs at least one part.", hint="Pass the key parts.")
    h = hashlib.sha256()
    for part in parts:
        text = str(part).encode("utf-8")
        h.update(len(text).to_bytes(4, "big"))
        h.update(text)
    return h.hexdigest()[:length]


__all__ = ["canonical_json", "content_hash", "content_id", "new_id"]
