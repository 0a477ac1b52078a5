from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradegraph.core.clock import Clock, LiveClock, TestClock
from tradegraph.core.errors import TradegraphError, ValidationError
from tradegraph.core.ids import canonical_json, content_hash, content_id, new_id


def test_test_clock_moves_only_when_told_and_never_backwards() -> None:
    clock = TestClock(datetime(2024, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2024, 1, 1, tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2024, 1, 1, 0, 5, tzinfo=UTC)
    assert clock.timestamp_ns() == int(datetime(2024, 1, 1, 0, 5, tzinfo=UTC).timestamp()) * 10**9
    with pytest.raises(ValidationError, match="backwards"):
        clock.set(datetime(2023, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError, match="UTC"):
        TestClock(datetime(2024, 1, 1))


def test_both_clocks_satisfy_the_port() -> None:
    assert isinstance(LiveClock(), Clock)
    assert isinstance(TestClock(), Clock)
    assert LiveClock().now().tzinfo is not None


def test_new_ids_are_unique_and_time_ordered() -> None:
    clock = TestClock(datetime(2024, 1, 1, tzinfo=UTC))
    first = [new_id(clock) for _ in range(1000)]  # same millisecond: still increasing
    clock.advance(timedelta(milliseconds=1))
    later = new_id(clock)
    assert len(set(first)) == 1000
    assert first == sorted(first)
    assert later > first[-1]
    assert all(len(i) == 26 for i in first)


def test_content_ids_are_deterministic_and_unambiguous() -> None:
    assert content_id("t", "s", 1, "entry") == content_id("t", "s", 1, "entry")
    assert content_id("ab", "c") != content_id("a", "bc")  # length-prefixed parts
    assert len(content_id("x", length=20)) == 20
    with pytest.raises(ValidationError):
        content_id("x", length=4)


def test_canonical_json_is_order_independent_and_typed() -> None:
    a = {"b": 1, "a": [Decimal("1.50"), datetime(2024, 1, 1, tzinfo=UTC)]}
    b = {"a": [Decimal("1.5"), datetime(2024, 1, 1, tzinfo=UTC)], "b": 1}
    assert canonical_json(a) == canonical_json(b) == b'{"a":["1.5","2024-01-01T00:00:00Z"],"b":1}'
    assert content_hash(a) == content_hash(b)
    with pytest.raises(ValidationError, match="timezone-aware"):
        canonical_json({"t": datetime(2024, 1, 1)})
    with pytest.raises(ValidationError):
        canonical_json({"x": object()})


def test_error_tree_has_stable_codes_and_hints() -> None:
    err = ValidationError("bad thing.", hint="do this")
    assert isinstance(err, TradegraphError)
    assert err.to_dict() == {"code": "validation", "message": "bad thing.", "hint": "do this"}
    assert "Hint: do this" in str(err)
