"""The hash-chained audit journal on SQLite and PostgreSQL: appends, reads, tampering,
concurrent appenders in threads and in separate (forked) processes.

Expected hashes are computed here with hashlib and json directly, not with the code
under test.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from tradegraph.core.clock import LiveClock, TestClock
from tradegraph.core.errors import NotFoundError, PersistenceError, ValidationError
from tradegraph.model.audit import AuditEntry, AuditHead, JSONValue
from tradegraph.persistence import AuditJournal, Database, TenantRepository
from tradegraph.persistence.rows import TenantRow

GENESIS = "0" * 64


def independent_hash(
    *, seq: int, time: datetime, payload: Mapping[str, Any], prev_hash: str,
    tenant_id: str = "default", kind: str = "order.submitted", actor: str = "oms",
) -> str:
    document = {
        "seq": seq,
        "time": time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "tenant_id": tenant_id,
        "kind": kind,
        "actor": actor,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()


def canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fill(journal: AuditJournal, clock: TestClock, n: int) -> list[AuditEntry]:
    entries = []
    for i in range(1, n + 1):
        clock.advance(timedelta(seconds=1))
        entries.append(journal.append("order.submitted", "oms", {"order": f"o{i}", "qty": i}))
    return entries


def _tamper(db: Database, *statements: tuple[str, dict[str, Any]]) -> None:
    """Run raw SQL as an attacker with database access would, bypassing the triggers."""
    with db.engine.begin() as conn:
        if db.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_journal DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_journal_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_journal_no_delete"))
        for sql, params in statements:
            conn.execute(text(sql), params)


@pytest.fixture
def journal(migrated: Database, clock: TestClock) -> AuditJournal:
    return AuditJournal(migrated, clock)


# -- appending and reading ------------------------------------------------------------------


def test_append_builds_a_chain_verify_accepts(journal: AuditJournal, clock: TestClock) -> None:
    entries = _fill(journal, clock, 5)
    prev = GENESIS
    for seq, entry in enumerate(entries, start=1):
        payload: dict[str, JSONValue] = {"order": f"o{seq}", "qty": seq}
        time = datetime(2024, 3, 1, 12, 0, seq, 123456, tzinfo=UTC)
        assert entry == AuditEntry(
            seq=seq, time=time, tenant_id="default", kind="order.submitted", actor="oms",
            payload=payload, prev_hash=prev,
            hash=independent_hash(seq=seq, time=time, payload=payload, prev_hash=prev),
        )
        prev = entry.hash
    result = journal.verify()
    assert result.ok and result.count == 5 and result.head_hash == entries[-1].hash
    assert result.first_broken_seq is None and result.problem is None
    assert journal.head() == AuditHead(seq=5, hash=entries[-1].hash)


def test_empty_journal_verifies(journal: AuditJournal) -> None:
    result = journal.verify()
    assert (result.ok, result.count, result.head_hash) == (True, 0, GENESIS)
    assert journal.entries() == []


def test_entries_round_trip_and_page(journal: AuditJournal, clock: TestClock) -> None:
    written = _fill(journal, clock, 7)
    assert journal.entries() == written
    assert journal.entries(after_seq=2, limit=3) == written[2:5]
    assert list(journal.iter_entries(batch_size=2)) == written
    assert list(journal.iter_entries(after_seq=6)) == written[6:]
    with pytest.raises(ValidationError, match="limit"):
        journal.entries(limit=0)


def test_payload_is_stored_canonically(journal: AuditJournal, migrated: Database) -> None:
    payload: dict[str, JSONValue] = {"b": [1, 2.5, None, True], "a": {"z": "ü", "y": -3}}
    entry = journal.append("risk.changed", "risk", payload)
    with migrated.engine.connect() as conn:
        stored = conn.execute(text("SELECT payload FROM audit_journal")).scalar_one()
    assert stored == '{"a":{"y":-3,"z":"ü"},"b":[1,2.5,null,true]}'
    assert entry.payload == payload
    assert journal.entries()[0].payload == payload


def test_invalid_appends_are_refused(journal: AuditJournal) -> None:
    with pytest.raises(ValidationError, match="JSON object"):
        journal.append("k", "a", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="canonical JSON"):
        journal.append("k", "a", {"x": float("nan")})
    with pytest.raises(ValidationError, match="kind"):
        journal.append("", "a", {})
    with pytest.raises(ValidationError, match="actor"):
        journal.append("k", "x" * 201, {})
    with pytest.raises(NotFoundError, match="tenant 'ghost'"):
        journal.append("k", "a", {}, tenant_id="ghost")
    assert journal.verify().count == 0


def test_entries_for_other_tenants(journal: AuditJournal, migrated: Database,
                                   clock: TestClock) -> None:
    with migrated.session() as session:
        TenantRepository(session, clock).create("acme", "Acme", created_by="ops")
    journal.append("a", "x", {}, tenant_id="acme")
    journal.append("b", "x", {})
    assert [e.tenant_id for e in journal.entries()] == ["acme", "default"]
    assert journal.verify().ok


def test_append_in_commits_with_the_unit_of_work(journal: AuditJournal, migrated: Database,
                                                 clock: TestClock) -> None:
    with migrated.session() as session:
        session.add(TenantRow(id="acme", name="Acme", created_at=clock.now(),
                              updated_at=clock.now(), created_by="ops"))
        entry = journal.append_in(session, "tenant.created", "ops", {"id": "acme"})
    assert journal.entries() == [entry]

    def failing_unit_of_work() -> None:
        with migrated.session() as session:
            session.add(TenantRow(id="beta", name="Beta", created_at=clock.now(),
                                  updated_at=clock.now(), created_by="ops"))
            journal.append_in(session, "tenant.created", "ops", {"id": "beta"})
            raise RuntimeError("venue call failed")

    with pytest.raises(RuntimeError, match="venue call failed"):
        failing_unit_of_work()
    with migrated.session(read_only=True) as session:
        assert session.get(TenantRow, "beta") is None
    assert journal.entries() == [entry]
    assert journal.head() == AuditHead(seq=1, hash=entry.hash)
    follow = journal.append("tenant.created", "ops", {"id": "beta"})
    assert (follow.seq, follow.prev_hash) == (2, entry.hash)
    assert journal.verify().ok


def test_database_refuses_update_and_delete(journal: AuditJournal, migrated: Database,
                                            clock: TestClock) -> None:
    _fill(journal, clock, 2)
    for sql in ("UPDATE audit_journal SET actor = 'mallory' WHERE seq = 1",
                "DELETE FROM audit_journal WHERE seq = 2"):
        statement = text(sql)

        def attempt(session: Session, statement: TextClause = statement) -> None:
            session.execute(statement)

        with pytest.raises(PersistenceError, match="append-only"):
            migrated.run(attempt)
    assert journal.verify().ok


# -- tampering --------------------------------------------------------------------------------


def test_edited_payload_is_detected(journal: AuditJournal, migrated: Database,
                                   clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    _tamper(migrated, ("UPDATE audit_journal SET payload = :p WHERE seq = 5",
                       {"p": '{"order":"o5","qty":500}'}))
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 5
    assert result.count == 4 and result.head_hash == entries[3].hash
    assert result.problem is not None and "seq 5 was altered" in result.problem


def test_edit_with_recomputed_hash_breaks_the_next_link(journal: AuditJournal,
                                                        migrated: Database,
                                                        clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    five = entries[4]
    forged_payload = {"order": "o5", "qty": 500}
    forged_hash = independent_hash(seq=5, time=five.time, payload=forged_payload,
                                   prev_hash=five.prev_hash)
    _tamper(migrated, ("UPDATE audit_journal SET payload = :p, hash = :h WHERE seq = 5",
                       {"p": canonical(forged_payload), "h": forged_hash}))
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 6
    assert result.problem is not None and "does not follow entry seq 5" in result.problem


def test_deleted_middle_entry_is_detected(journal: AuditJournal, migrated: Database,
                                          clock: TestClock) -> None:
    _fill(journal, clock, 10)
    _tamper(migrated, ("DELETE FROM audit_journal WHERE seq = 5", {}))
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 5 and result.count == 4
    assert result.problem is not None and "seq 5 is missing" in result.problem


def test_reordered_entries_are_detected(journal: AuditJournal, migrated: Database,
                                        clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    four, six = entries[3], entries[5]
    swap = ("UPDATE audit_journal SET time = :time, payload = :payload, prev_hash = :prev, "
            "hash = :hash WHERE seq = :seq")

    def values(entry: AuditEntry, seq: int) -> dict[str, Any]:
        return {"time": entry.time.replace(tzinfo=None) if migrated.backend == "sqlite"
                else entry.time, "payload": canonical(entry.payload),
                "prev": entry.prev_hash, "hash": entry.hash, "seq": seq}

    _tamper(
        migrated,
        (swap, {**values(four, 4), "prev": "e" * 64, "hash": "f" * 64}),  # free the uniques
        (swap, values(four, 6)),
        (swap, values(six, 4)),
    )
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 4 and result.count == 3
    assert result.problem is not None and "does not follow entry seq 3" in result.problem


def test_inserted_middle_entry_is_detected(journal: AuditJournal, migrated: Database,
                                           clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    time = entries[4].time + timedelta(milliseconds=1)
    forged = {"order": "forged", "qty": 1}
    prev = "a" * 64  # the real prev_hash (hash of seq 5) is taken by the next entry
    digest = independent_hash(seq=6, time=time, payload=forged, prev_hash=prev)
    _tamper(
        migrated,
        ("UPDATE audit_journal SET seq = -seq WHERE seq > 5", {}),
        ("UPDATE audit_journal SET seq = 1 - seq WHERE seq < 0", {}),
        ("INSERT INTO audit_journal (seq, time, tenant_id, kind, actor, payload, prev_hash, "
         "hash) VALUES (6, :time, 'default', 'order.submitted', 'oms', :payload, :prev, :hash)",
         {"time": time.replace(tzinfo=None) if migrated.backend == "sqlite" else time,
          "payload": canonical(forged), "prev": prev, "hash": digest}),
    )
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 6 and result.count == 5
    assert result.problem is not None and "does not follow entry seq 5" in result.problem


def test_forged_entry_past_the_head_is_detected(journal: AuditJournal, migrated: Database,
                                                clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    time = entries[-1].time + timedelta(seconds=1)
    forged = {"order": "forged", "qty": 1}
    digest = independent_hash(seq=11, time=time, payload=forged, prev_hash=entries[-1].hash)
    _tamper(
        migrated,
        ("INSERT INTO audit_journal (seq, time, tenant_id, kind, actor, payload, prev_hash, "
         "hash) VALUES (11, :time, 'default', 'order.submitted', 'oms', :payload, :prev, :hash)",
         {"time": time.replace(tzinfo=None) if migrated.backend == "sqlite" else time,
          "payload": canonical(forged), "prev": entries[-1].hash, "hash": digest}),
    )
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 11 and result.count == 10
    assert result.problem is not None and "beyond the recorded head" in result.problem


def test_truncated_tail_is_detected(journal: AuditJournal, migrated: Database,
                                    clock: TestClock) -> None:
    entries = _fill(journal, clock, 10)
    _tamper(migrated, ("DELETE FROM audit_journal WHERE seq >= 8", {}))
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 8
    assert result.count == 7 and result.head_hash == entries[6].hash
    assert result.problem is not None and "truncated" in result.problem
    assert "8..10" in result.problem


def test_replaced_head_is_detected(journal: AuditJournal, migrated: Database,
                                   clock: TestClock) -> None:
    _fill(journal, clock, 3)
    _tamper(migrated, ("UPDATE audit_head SET hash = :h", {"h": "c" * 64}))
    result = journal.verify()
    assert not result.ok and result.first_broken_seq == 3
    assert result.problem is not None and "head records" in result.problem


def test_verify_streams_in_batches_and_reports_progress(journal: AuditJournal,
                                                        clock: TestClock) -> None:
    _fill(journal, clock, 12)
    seen: list[tuple[int, int]] = []
    result = journal.verify(batch_size=5, progress=lambda done, total: seen.append((done, total)))
    assert result.ok and result.count == 12
    assert seen == [(5, 12), (10, 12), (12, 12)]


# -- concurrency ------------------------------------------------------------------------------


def test_concurrent_threads_extend_one_chain(journal: AuditJournal) -> None:
    threads_n, per_thread = 8, 50
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                journal.append("test.append", f"worker-{worker}", {"worker": worker, "i": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_one_unbroken_chain(journal, threads_n, per_thread)


def assert_one_unbroken_chain(journal: AuditJournal, workers: int, per_worker: int) -> None:
    total = workers * per_worker
    result = journal.verify()
    assert result.ok, result.problem
    assert result.count == total
    entries = list(journal.iter_entries())
    assert [e.seq for e in entries] == list(range(1, total + 1))
    prev = GENESIS
    for entry in entries:
        assert entry.prev_hash == prev
        prev = entry.hash
    assert result.head_hash == prev == journal.head().hash
    for worker in range(workers):
        own = [e.payload["i"] for e in entries if e.actor == f"worker-{worker}"]
        assert own == list(range(per_worker))  # each worker's appends in its own order


def _process_appender(
    url: str, worker: int, count: int, start: Any, errors: Any
) -> None:
    """Body of one appender process: its own Database, its own connections."""
    try:
        database = Database(url)
        journal = AuditJournal(database, LiveClock(), attempts=50)
        database.ping()
        start.wait(timeout=60)  # all processes connected before any appends
        for i in range(count):
            journal.append("test.append", f"worker-{worker}", {"worker": worker, "i": i})
        database.dispose()
    except BaseException as exc:
        errors.put(f"worker {worker}: {exc!r}")
        raise SystemExit(1) from exc


def test_concurrent_processes_extend_one_chain(journal: AuditJournal, migrated: Database) -> None:
    workers_n, per_worker = 8, 50
    url = migrated.engine.url.render_as_string(hide_password=False)
    migrated.dispose()  # no pooled connection crosses the fork
    # fork: the children start without re-importing (spawn costs ~1 s of imports each)
    context = multiprocessing.get_context("fork")
    start, errors = context.Barrier(workers_n), context.Queue()
    procs = [
        context.Process(target=_process_appender, args=(url, w, per_worker, start, errors))
        for w in range(workers_n)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    for proc in procs:
        if proc.is_alive():
            proc.kill()
            failures.append(f"pid {proc.pid} still running after 120 s")
    assert failures == []
    assert [proc.exitcode for proc in procs] == [0] * workers_n
    assert_one_unbroken_chain(journal, workers_n, per_worker)
