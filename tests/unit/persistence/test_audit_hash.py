"""Properties of the audit entry hash (pure: no database)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.core.ids import canonical_json
from tradegraph.model.audit import (
    GENESIS_HASH,
    AuditEntry,
    audit_entry_hash,
    audit_entry_hash_from_text,
    audit_time_text,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(st.text(), json_values, max_size=5)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
names = st.text(min_size=1, max_size=20)


def by_hand(fields: dict[str, Any]) -> str:
    document = dict(fields, time=fields["time"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


entries = st.fixed_dictionaries({
    "seq": st.integers(min_value=1, max_value=2**62),
    "time": times,
    "tenant_id": names,
    "kind": names,
    "actor": names,
    "payload": payloads,
    "prev_hash": hashes,
})


@settings(max_examples=50)
@given(entries)
def test_hash_is_sha256_of_sorted_compact_json(fields: dict[str, Any]) -> None:
    assert audit_entry_hash(**fields) == by_hand(fields)


@settings(max_examples=50)
@given(entries, st.sampled_from(["seq", "time", "tenant_id", "kind", "actor", "payload",
                                 "prev_hash"]))
def test_changing_any_field_changes_the_hash(fields: dict[str, Any], name: str) -> None:
    changed = dict(fields)
    if name == "seq":
        changed["seq"] = fields["seq"] + 1
    elif name == "time":
        changed["time"] = fields["time"] + timedelta(microseconds=1)
    elif name == "payload":
        changed["payload"] = {**fields["payload"], "\x00extra": 1}
    elif name == "prev_hash":
        changed["prev_hash"] = ("1" if fields["prev_hash"][0] == "0" else "0") + fields[
            "prev_hash"][1:]
    else:
        changed[name] = fields[name] + "x"
    assert audit_entry_hash(**changed) != audit_entry_hash(**fields)


@settings(max_examples=50)
@given(entries)
def test_hash_from_canonical_text_equals_the_definition(fields: dict[str, Any]) -> None:
    payload = fields.pop("payload")
    text = canonical_json(payload).decode("utf-8")
    fast = audit_entry_hash_from_text(**fields, payload_json=text)
    assert fast == audit_entry_hash(**fields, payload=payload)
    if payload:  # a re-spelled (non-canonical) payload text no longer matches
        spaced = json.dumps(payload, sort_keys=True, ensure_ascii=False, indent=1)
        assert audit_entry_hash_from_text(**fields, payload_json=spaced) != fast


@settings(max_examples=50)
@given(entries)
def test_entry_expected_hash_matches(fields: dict[str, Any]) -> None:
    digest = audit_entry_hash(**fields)
    entry = AuditEntry(**fields, hash=digest)
    assert entry.expected_hash() == digest


def test_time_text_is_utc_with_microseconds() -> None:
    instant = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert audit_time_text(instant) == "2024-01-02T03:04:05.000000Z"
    shifted = instant.astimezone(timezone(timedelta(hours=-5)))
    assert audit_time_text(shifted) == "2024-01-02T03:04:05.000000Z"
    fields: dict[str, Any] = {"seq": 1, "tenant_id": "t", "kind": "k", "actor": "a",
                              "payload": {}, "prev_hash": GENESIS_HASH}
    assert audit_entry_hash(time=instant, **fields) == audit_entry_hash(time=shifted, **fields)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        audit_time_text(datetime(2024, 1, 1))
