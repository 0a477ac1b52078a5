"""The append-only, hash-chained audit journal (values in ``tradegraph.model.audit``).

Appending locks the single ``audit_head`` row (PostgreSQL ``SELECT ... FOR UPDATE``;
SQLite units of work already hold the write lock from ``BEGIN IMMEDIATE``), so concurrent
appenders, in threads or processes, queue and extend one chain. UNIQUE constraints on
``seq`` and ``prev_hash`` are the backstop; a collision or lock failure is retried a
bounded number of times. ``append_in`` joins the caller's unit of work, so a state change
and its journal entry commit (or roll back) together; ``append_many_in`` does the same for
a batch with one head read and write.

``verify`` re-walks the chain in ``seq`` order inside one read snapshot, in batches, and
reports the first broken ``seq``: an edited entry (hash mismatch), a deleted one (gap), a
reordered, replaced or inserted one (broken ``prev_hash`` link), entries past the head,
and a truncated tail (the head records more entries than exist).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias, cast

from sqlalchemy import Connection, Row, Table, bindparam, exists, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from tradegraph.core.clock import Clock
from tradegraph.core.errors import IntegrityError, NotFoundError, ValidationError
from tradegraph.core.ids import canonical_json
from tradegraph.model.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditHead,
    AuditVerification,
    JSONObject,
    JSONValue,
    audit_entry_hash_from_text,
    audit_time_text,
)
from tradegraph.model.tenant import DEFAULT_TENANT_ID, check_tenant_id
from tradegraph.persistence.database import Database
from tradegraph.persistence.failures import is_unique_violation, translate
from tradegraph.persistence.rows import AuditHeadRow, AuditJournalRow, TenantRow

_KIND_LENGTH = 100
_ACTOR_LENGTH = 200
_MAX_LIMIT = 10_000
_COLUMNS = (
    AuditJournalRow.seq,
    AuditJournalRow.time,
    AuditJournalRow.tenant_id,
    AuditJournalRow.kind,
    AuditJournalRow.actor,
    AuditJournalRow.payload,
    AuditJournalRow.prev_hash,
    AuditJournalRow.hash,
)

# prebuilt statements of the append path (compiled once, cached)
# the head, locked, and whether the entries' tenant is active: one round trip
_LOCK_HEAD = (
    select(
        AuditHeadRow.seq,
        AuditHeadRow.hash,
        exists()
        .where(TenantRow.id == bindparam("tenant_id"), TenantRow.deleted_at.is_(None))
        .label("tenant_active"),
    )
    .where(AuditHeadRow.id == 1)
    .with_for_update(of=AuditHeadRow)
)
_INSERT_ENTRY = insert(cast(Table, AuditJournalRow.__table__))
_MOVE_HEAD = update(cast(Table, AuditHeadRow.__table__)).where(AuditHeadRow.id == 1)

_JournalRow: TypeAlias = "Row[int, datetime, str, str, str, str, str, str]"

Progress = Callable[[int, int], None]
"""``progress(verified, expected_total)`` callback for long verifications."""


def _check_text(value: str, what: str, max_length: int, example: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationError(
            f"Audit {what} must be a non-empty string of at most {max_length} characters, "
            f"got {value!r}.",
            hint=f"Use e.g. {example!r}.",
        )
    return value


def _encode_payload(payload: Mapping[str, JSONValue]) -> str:
    """The canonical JSON text of ``payload`` (what is stored and hashed)."""
    if not isinstance(payload, Mapping) or not all(isinstance(k, str) for k in payload):
        raise ValidationError(
            f"Audit payload must be a JSON object with string keys, got {payload!r:.200}.",
            hint="Pass a dict such as {'order_id': '...', 'status': 'filled'}.",
        )
    try:
        text = canonical_json(dict(payload)).decode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"Audit payload cannot be encoded as canonical JSON: {exc}.",
            hint="Use only str, int, finite float, bool, None, lists and dicts with "
            "string keys (Decimal and datetime are rendered as strings).",
        ) from exc
    return text


def _decode_payload(seq: int, text: str) -> JSONObject:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise IntegrityError(
            f"Audit entry seq {seq} has a payload that is not a JSON object: {text!r:.120}.",
            hint="The journal was edited outside tradegraph; run `tradegraph audit verify`.",
        )
    return value


def _entry(row: _JournalRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        time=row.time,
        tenant_id=row.tenant_id,
        kind=row.kind,
        actor=row.actor,
        payload=_decode_payload(row.seq, row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _short(digest: str) -> str:
    return digest[:16] + "…"


class AuditJournal:
    """Append to, read and verify the audit journal of one database."""

    def __init__(self, database: Database, clock: Clock, *, attempts: int = 8) -> None:
        self._db = database
        self._clock = clock
        self._attempts = attempts

    # -- writing ---------------------------------------------------------------------------

    def append(
        self,
        kind: str,
        actor: str,
        payload: Mapping[str, JSONValue],
        tenant_id: str = DEFAULT_TENANT_ID,
    ) -> AuditEntry:
        """Append one entry in its own unit of work (retried on lock conflicts).

        Inside another unit of work use ``append_in`` instead: on SQLite a second unit of
        work opened by the same thread waits for the first one's write lock.
        """
        return self._db.run(
            lambda session: self.append_in(session, kind, actor, payload, tenant_id),
            attempts=self._attempts,
            retry_if=lambda exc: is_unique_violation(exc.__cause__),
        )

    def append_in(
        self,
        session: Session,
        kind: str,
        actor: str,
        payload: Mapping[str, JSONValue],
        tenant_id: str = DEFAULT_TENANT_ID,
    ) -> AuditEntry:
        """Append one entry inside the caller's unit of work (``Database.session()``).

        The entry commits with the caller's other changes. The journal head stays locked
        until that commit, so keep such units of work short.
        """
        return self.append_many_in(session, actor, [(kind, payload)], tenant_id)[0]

    def append_many_in(
        self,
        session: Session,
        actor: str,
        entries: Sequence[tuple[str, Mapping[str, JSONValue]]],
        tenant_id: str = DEFAULT_TENANT_ID,
        *,
        returning: bool = True,
    ) -> list[AuditEntry]:
        """Append ``(kind, payload)`` entries, in order, inside the caller's unit of work.

        One head read and one head write for the whole batch, and one multi-row insert:
        appending n entries costs about as much as hashing them. All or none commit.
        ``returning=False`` skips building the ``AuditEntry`` values (an empty list is
        returned) for high-volume writers that don't use them.
        """
        _check_text(actor, "actor", _ACTOR_LENGTH, "oms")
        check_tenant_id(tenant_id)
        encoded = []
        for kind, payload in entries:
            _check_text(kind, "kind", _KIND_LENGTH, "order.submitted")
            encoded.append((kind, _encode_payload(payload)))
        if not encoded:
            return []
        session.flush()  # pending ORM changes first, as an ORM query would autoflush them
        connection = session.connection()
        head = connection.execute(_LOCK_HEAD, {"tenant_id": tenant_id}).one_or_none()
        if head is None:
            raise IntegrityError(
                "The audit_head row is missing, so the journal cannot be extended.",
                hint="Run `tradegraph db upgrade`; if the database is migrated, it was "
                "tampered with: run `tradegraph audit verify`.",
            )
        if not head.tenant_active:
            raise NotFoundError(
                f"Cannot journal for tenant {tenant_id!r}: no such (active) tenant.",
                hint="Create the tenant first, or use the 'default' tenant.",
            )
        seq, prev_hash = head.seq, head.hash
        time = self._clock.now()
        time_text = audit_time_text(time)
        rows: list[dict[str, object]] = []
        appended: list[AuditEntry] = []
        for kind, text in encoded:
            seq += 1
            # the stored text is canonical JSON of the payload: same digest as audit_entry_hash
            digest = audit_entry_hash_from_text(
                seq=seq,
                time=time,
                tenant_id=tenant_id,
                kind=kind,
                actor=actor,
                payload_json=text,
                prev_hash=prev_hash,
                time_text=time_text,
            )
            rows.append(
                {
                    "seq": seq,
                    "time": time,
                    "tenant_id": tenant_id,
                    "kind": kind,
                    "actor": actor,
                    "payload": text,
                    "prev_hash": prev_hash,
                    "hash": digest,
                }
            )
            if returning:
                appended.append(
                    AuditEntry(
                        seq=seq,
                        time=time,
                        tenant_id=tenant_id,
                        kind=kind,
                        actor=actor,
                        payload=_decode_payload(seq, text),
                        prev_hash=prev_hash,
                        hash=digest,
                    )
                )
            prev_hash = digest
        connection.execute(_INSERT_ENTRY, rows)
        connection.execute(_MOVE_HEAD, {"seq": seq, "hash": prev_hash, "updated_at": time})
        return appended

    # -- reading ---------------------------------------------------------------------------

    def head(self) -> AuditHead:
        """The recorded last entry (``seq`` 0, ``GENESIS_HASH`` for an empty journal)."""
        with self._db.session(read_only=True) as session:
            row = session.execute(
                select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
            ).one_or_none()
        if row is None:
            raise IntegrityError(
                "The audit_head row is missing.",
                hint="Run `tradegraph db upgrade`, then `tradegraph audit verify`.",
            )
        return AuditHead(seq=row.seq, hash=row.hash)

    def entries(self, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """Up to ``limit`` entries with ``seq > after_seq``, in ``seq`` order."""
        if not 1 <= limit <= _MAX_LIMIT:
            raise ValidationError(
                f"limit must be between 1 and {_MAX_LIMIT}, got {limit}.",
                hint="Page with after_seq=<last seq seen>, or use iter_entries().",
            )
        with self._db.session(read_only=True) as session:
            rows = session.execute(
                select(*_COLUMNS)
                .where(AuditJournalRow.seq > after_seq)
                .order_by(AuditJournalRow.seq)
                .limit(limit)
            ).all()
        return [_entry(row) for row in rows]

    def iter_entries(self, after_seq: int = 0, batch_size: int = 1000) -> Iterator[AuditEntry]:
        """Every entry with ``seq > after_seq``, fetched ``batch_size`` at a time."""
        while batch := self.entries(after_seq, batch_size):
            yield from batch
            after_seq = batch[-1].seq

    # -- verifying -------------------------------------------------------------------------

    def verify(self, *, batch_size: int = 5000, progress: Progress | None = None) -> AuditVerification:
        """Walk the whole chain in one read snapshot and report the first break, if any."""
        if batch_size < 1:
            raise ValidationError(
                f"batch_size must be >= 1, got {batch_size}.", hint="Use e.g. 5000."
            )
        options: dict[str, Any] = {}
        if self._db.backend == "postgresql":
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        try:
            with self._db.engine.connect() as connection:
                connection.execution_options(**options)
                with connection.begin():
                    return _Walk(connection, batch_size, progress).run()
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc, self._db.engine.url) from exc


class _Walk:
    """One verification pass over the journal (see ``AuditJournal.verify``)."""

    def __init__(self, connection: Connection, batch_size: int, progress: Progress | None) -> None:
        self._connection = connection
        self._batch_size = batch_size
        self._progress = progress
        self._count = 0
        self._prev_hash = GENESIS_HASH

    def _broken(self, seq: int, problem: str) -> AuditVerification:
        return AuditVerification(
            ok=False,
            count=self._count,
            head_hash=self._prev_hash,
            first_broken_seq=seq,
            problem=problem,
        )

    def _check(self, row: _JournalRow, head: AuditHead) -> str | None:
        seq, time, tenant_id, kind, actor, payload_json, prev_hash, digest = row
        expected = self._count + 1
        if seq != expected:
            return (
                f"Entry seq {expected} is missing: the journal jumps from seq "
                f"{expected - 1} to seq {seq} (entries were deleted)."
            )
        if seq > head.seq:
            return (
                f"Entry seq {seq} lies beyond the recorded head (seq {head.seq}): it was "
                "inserted outside the journal, or the head was rolled back."
            )
        if prev_hash != self._prev_hash:
            return (
                f"Entry seq {seq} does not follow entry seq {seq - 1}: its prev_hash "
                f"{_short(prev_hash)} is not {_short(self._prev_hash)} (entries were "
                "reordered, inserted or replaced)."
            )
        # The stored payload is canonical JSON text, so hashing it as stored equals the
        # definition; any change to it, even a re-spelling, is an alteration.
        recomputed = audit_entry_hash_from_text(
            seq=seq,
            time=time,
            tenant_id=tenant_id,
            kind=kind,
            actor=actor,
            payload_json=payload_json,
            prev_hash=prev_hash,
        )
        if recomputed != digest:
            return (
                f"Entry seq {seq} was altered: its contents hash to {_short(recomputed)} "
                f"but it records {_short(digest)}."
            )
        return None

    def run(self) -> AuditVerification:
        head_row = self._connection.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
        ).one_or_none()
        if head_row is None:
            return self._broken(1, "The audit_head row is missing (the journal head was deleted).")
        head = AuditHead(seq=head_row.seq, hash=head_row.hash)
        last_seq = 0
        while True:
            rows = self._connection.execute(
                select(*_COLUMNS)
                .where(AuditJournalRow.seq > last_seq)
                .order_by(AuditJournalRow.seq)
                .limit(self._batch_size)
            ).all()
            if not rows:
                break
            for row in rows:
                problem = self._check(row, head)
                if problem is not None:
                    return self._broken(min(row.seq, self._count + 1), problem)
                self._count += 1
                self._prev_hash = row.hash
            last_seq = rows[-1].seq
            if self._progress is not None:
                self._progress(self._count, head.seq)
        if self._count < head.seq:
            return self._broken(
                self._count + 1,
                f"The journal ends at seq {self._count} but its head records seq {head.seq}: "
                f"entries {self._count + 1}..{head.seq} are missing (the tail was truncated).",
            )
        if self._prev_hash != head.hash:
            return self._broken(
                head.seq,
                f"The last entry (seq {head.seq}) hashes to {_short(self._prev_hash)} but the "
                f"head records {_short(head.hash)} (the head or the last entry was replaced).",
            )
        return AuditVerification(ok=True, count=self._count, head_hash=self._prev_hash)


__all__ = ["AuditJournal", "Progress"]
