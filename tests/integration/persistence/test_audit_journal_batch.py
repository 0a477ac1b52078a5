"""``AuditJournal.append_many_in``: a batch of entries extends the chain exactly as the
same entries appended one by one would, in one unit of work, all or nothing.

Expected hashes are computed here with hashlib and json directly."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import Any

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError, ValidationError
from tradegraph.model.audit import JSONValue
from tradegraph.persistence import AuditJournal, Database

GENESIS = "0" * 64


def _expected_hash(entry: Any, prev_hash: str) -> str:
    document = {
        "seq": entry.seq,
        "time": entry.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "tenant_id": entry.tenant_id,
        "kind": entry.kind,
        "actor": entry.actor,
        "payload": entry.payload,
        "prev_hash": prev_hash,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_batch_chains_like_single_appends(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    first = journal.append("order.created", "oms", {"client_order_id": "o-0"})
    clock.advance(timedelta(seconds=1))
    batch: list[tuple[str, Mapping[str, JSONValue]]] = [
        (f"order.k{i}", {"client_order_id": f"o-{i}", "n": i, "ü": "ß"}) for i in range(1, 6)
    ]
    with migrated.session() as session:
        appended = journal.append_many_in(session, "oms", batch)
    clock.advance(timedelta(seconds=1))
    last = journal.append("order.created", "oms", {"client_order_id": "o-9"})
    stored = journal.entries()
    assert stored == [first, *appended, last]
    assert [e.seq for e in stored] == list(range(1, 8))
    prev = GENESIS
    for entry in stored:
        assert entry.prev_hash == prev
        assert entry.hash == _expected_hash(entry, prev)
        prev = entry.hash
    assert [(e.kind, dict(e.payload)) for e in appended] == batch
    assert journal.head().hash == last.hash
    assert journal.verify().ok


def test_an_empty_batch_changes_nothing(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    with migrated.session() as session:
        assert journal.append_many_in(session, "oms", []) == []
    assert journal.head().seq == 0


def test_a_batch_is_all_or_nothing(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    journal.append("order.created", "oms", {"n": 0})
    # a bad entry anywhere: nothing is written
    with pytest.raises(ValidationError, match="kind"), migrated.session() as session:
        journal.append_many_in(session, "oms", [("order.ok", {"n": 1}), ("", {"n": 2})])
    with pytest.raises(NotFoundError, match="ghost"), migrated.session() as session:
        journal.append_many_in(session, "oms", [("order.ok", {"n": 1})], "ghost")

    def fail_after_journalling() -> None:
        with migrated.session() as session:
            journal.append_many_in(session, "oms", [("order.ok", {"n": 1})] * 3)
            raise RuntimeError("caller failed after journalling")

    with pytest.raises(RuntimeError, match="caller"):  # the caller's unit of work fails
        fail_after_journalling()
    assert journal.head().seq == 1
    assert len(journal.entries()) == 1
    assert journal.verify().ok


def test_a_large_batch_verifies(migrated: Database, clock: TestClock) -> None:
    journal = AuditJournal(migrated, clock)
    with migrated.session() as session:
        journal.append_many_in(session, "oms", [("order.x", {"i": i}) for i in range(2500)])
    result = journal.verify(batch_size=700)
    assert result.ok
    assert result.count == 2500
