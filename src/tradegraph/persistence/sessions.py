"""Database-backed ``SessionStore`` (``tradegraph.orchestrator.sessions.store``).

Tables ``sessions`` (spec as canonical JSON + state columns), ``session_decisions`` and
``equity_snapshots`` (migration 0004). Every method is one unit of work that also appends
its audit-journal entries (``AuditJournal.append_in``), so a session change is never
stored without its journal entry or journalled without being stored.

Concurrency: writes read the session row ``FOR UPDATE`` (PostgreSQL; SQLite units of work
hold the write lock from ``BEGIN IMMEDIATE``) and compare ``version``: a stale writer gets
``StaleStateError`` and nothing is written. ``create`` is retried once on a unique-key
collision, where it finds the winner's row and behaves idempotently.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradegraph.core.clock import Clock
from tradegraph.core.errors import IntegrityError, NotFoundError, StaleStateError, ValidationError
from tradegraph.core.ids import canonical_json
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Direction
from tradegraph.model.tenant import DEFAULT_TENANT_ID, check_tenant_id
from tradegraph.orchestrator.sessions.spec import (
    DecisionRecord,
    EquitySnapshot,
    SessionInfo,
    SessionSpec,
    SessionState,
    SessionStatus,
    check_session_id,
)
from tradegraph.orchestrator.sessions.store import (
    KIND_CREATED,
    KIND_STATUS,
    KIND_STEP,
    KIND_STOP_REQUESTED,
    SESSION_ACTOR,
    check_page,
    check_step,
    created_payload,
    status_payload,
    step_payload,
    stop_target,
)
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.failures import is_unique_violation
from tradegraph.persistence.rows import EquitySnapshotRow, SessionDecisionRow, SessionRow


def _json(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


def _load(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntegrityError(
            f"Stored {what} is not valid JSON.",
            hint="The row was edited outside tradegraph; restore it from the audit journal.",
        ) from exc


def _state(row: SessionRow) -> SessionState:
    return SessionState(
        session_id=row.session_id,
        status=SessionStatus(row.status),
        cursor=row.cursor_at,
        bars_processed=row.bars_processed,
        last_error=row.last_error,
        heartbeat_at=row.heartbeat_at,
        owner=row.owner,
        started_at=row.started_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _write_state(row: SessionRow, state: SessionState) -> None:
    row.status = state.status.value
    row.cursor_at = state.cursor
    row.bars_processed = state.bars_processed
    row.last_error = state.last_error
    row.heartbeat_at = state.heartbeat_at
    row.owner = state.owner
    row.started_at = state.started_at


def _decision(row: SessionDecisionRow) -> DecisionRecord:
    what = f"decision {row.decision_id}"
    inputs = _load(row.inputs, what)
    order_ids = _load(row.order_ids, what)
    return DecisionRecord(
        session_id=row.session_id,
        decision_id=row.decision_id,
        bar_time=row.bar_time,
        direction=Direction(row.direction),
        exit=row.exit_signal,
        entry=row.entry,
        stop=row.stop,
        target=row.target,
        confidence=row.confidence,
        reasoning=row.reasoning,
        inputs=inputs if isinstance(inputs, dict) else {},
        outcome=row.outcome,
        order_ids=tuple(str(i) for i in order_ids),
        created_at=row.decided_at,
    )


def _equity(row: EquitySnapshotRow) -> EquitySnapshot:
    return EquitySnapshot(
        session_id=row.session_id,
        time=row.time,
        equity=row.equity,
        cash=row.cash,
        position_value=row.position_value,
        drawdown=row.drawdown,
    )


class SqlSessionStore:
    """``SessionStore`` of one tenant on the tradegraph database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        database: Database,
        journal: AuditJournal,
        clock: Clock,
        tenant_id: str = DEFAULT_TENANT_ID,
    ) -> None:
        self._db = database
        self._journal = journal
        self._clock = clock
        self._tenant_id = check_tenant_id(tenant_id)

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    # -- helpers --------------------------------------------------------------------------

    def _row(self, session: Session, session_id: str, *, lock: bool = False) -> SessionRow:
        row = session.get(
            SessionRow,
            (self._tenant_id, check_session_id(session_id)),
            with_for_update=lock,
        )
        if row is None or row.deleted_at is not None:
            raise NotFoundError(
                f"No session {session_id!r} for tenant {self._tenant_id!r}.",
                hint="List sessions with `tradegraph paper status`.",
            )
        return row

    def _spec(self, row: SessionRow) -> SessionSpec:
        data = _load(row.spec, f"spec of session {row.session_id}")
        return SessionSpec.from_dict(data)

    def _append(
        self, session: Session, kind: str, payload: Mapping[str, JSONValue], actor: str
    ) -> None:
        self._journal.append_in(session, kind, actor, payload, tenant_id=self._tenant_id)

    @staticmethod
    def _check_version(row: SessionRow, new: SessionState) -> None:
        if new.version != row.version:
            raise StaleStateError(
                f"Session {row.session_id!r} changed since version {new.version} was read "
                f"(it is at version {row.version}).",
                hint="Reload it with get_state() and re-apply the change.",
            )

    def _update(self, session: Session, row: SessionRow, new: SessionState) -> SessionState:
        """Check ``new.version`` against ``row`` and write ``new`` (version + 1)."""
        self._check_version(row, new)
        before = SessionStatus(row.status)
        _write_state(row, new)
        row.version = new.version + 1
        row.updated_at = self._clock.now()
        session.flush()
        stored = _state(row)
        if stored.status is not before:
            self._append(
                session, KIND_STATUS, status_payload(row.session_id, before, stored), SESSION_ACTOR
            )
        return stored

    # -- the port -------------------------------------------------------------------------

    def create(self, spec: SessionSpec) -> SessionState:
        if spec.tenant_id != self._tenant_id:
            raise ValidationError(
                f"Session {spec.session_id!r} is for tenant {spec.tenant_id!r}, but this "
                f"store is scoped to {self._tenant_id!r}.",
                hint="Use the store of the spec's tenant.",
            )

        def work(session: Session) -> SessionState:
            row = session.get(SessionRow, (self._tenant_id, spec.session_id))
            if row is not None:
                if self._spec(row) != spec:
                    raise ValidationError(
                        f"Session {spec.session_id!r} already exists with a different spec.",
                        hint="Pick a new session id, or resume the existing session.",
                    )
                return _state(row)
            now = self._clock.now()
            row = SessionRow(
                tenant_id=self._tenant_id,
                session_id=spec.session_id,
                strategy_id=spec.strategy_id,
                workflow=spec.workflow,
                instrument_id=spec.instrument_id,
                timeframe=spec.timeframe.code,
                feed=spec.feed.value,
                spec=_json(spec.to_dict()),
                spec_created_at=spec.created_at,
                status=SessionStatus.CREATED.value,
                cursor_at=None,
                bars_processed=0,
                last_error=None,
                heartbeat_at=None,
                owner=None,
                started_at=None,
                version=1,
                created_at=now,
                updated_at=now,
                created_by=SESSION_ACTOR,
            )
            session.add(row)
            session.flush()
            self._append(session, KIND_CREATED, created_payload(spec), SESSION_ACTOR)
            return _state(row)

        return self._db.run(work, attempts=3, retry_if=lambda e: is_unique_violation(e.__cause__))

    def get_spec(self, session_id: str) -> SessionSpec:
        with self._db.session(read_only=True) as session:
            return self._spec(self._row(session, session_id))

    def get_state(self, session_id: str) -> SessionState:
        with self._db.session(read_only=True) as session:
            return _state(self._row(session, session_id))

    def list_sessions(
        self,
        *,
        statuses: Collection[SessionStatus] | None = None,
        strategy_id: str | None = None,
    ) -> list[SessionInfo]:
        query = select(SessionRow).where(
            SessionRow.tenant_id == self._tenant_id, SessionRow.deleted_at.is_(None)
        )
        if statuses is not None:
            query = query.where(SessionRow.status.in_([s.value for s in statuses]))
        if strategy_id is not None:
            query = query.where(SessionRow.strategy_id == strategy_id)
        query = query.order_by(SessionRow.spec_created_at, SessionRow.session_id)
        with self._db.session(read_only=True) as session:
            rows: Sequence[SessionRow] = session.scalars(query).all()
            return [SessionInfo(self._spec(row), _state(row)) for row in rows]

    def save_state(self, state: SessionState) -> SessionState:
        with self._db.session() as session:
            row = self._row(session, state.session_id, lock=True)
            return self._update(session, row, state)

    def record_step(
        self,
        session_id: str,
        bar_time: datetime,
        decision: DecisionRecord | None,
        equity: EquitySnapshot | None,
        new_state: SessionState,
    ) -> SessionState:
        now = self._clock.now()
        with self._db.session() as session:
            row = self._row(session, session_id, lock=True)
            check_step(
                session_id,
                bar_time,
                decision=decision,
                equity=equity,
                new_state=new_state,
                stored_cursor=row.cursor_at,
            )
            self._check_version(row, new_state)
            if decision is not None:
                session.add(self._decision_row(decision, now))
            if equity is not None:
                session.add(self._equity_row(equity, now))
            session.flush()
            before = SessionStatus(row.status)
            _write_state(row, new_state)
            row.version = new_state.version + 1
            row.updated_at = now
            session.flush()
            stored = _state(row)
            self._append(
                session,
                KIND_STEP,
                step_payload(session_id, bar_time, decision, equity, stored),
                SESSION_ACTOR,
            )
            if stored.status is not before:
                self._append(
                    session, KIND_STATUS, status_payload(session_id, before, stored), SESSION_ACTOR
                )
            return stored

    def _decision_row(self, decision: DecisionRecord, now: datetime) -> SessionDecisionRow:
        return SessionDecisionRow(
            tenant_id=self._tenant_id,
            session_id=decision.session_id,
            decision_id=decision.decision_id,
            bar_time=decision.bar_time,
            direction=decision.direction.value,
            exit_signal=decision.exit,
            entry=decision.entry,
            stop=decision.stop,
            target=decision.target,
            confidence=decision.confidence,
            reasoning=decision.reasoning,
            inputs=_json(dict(decision.inputs)),
            outcome=decision.outcome,
            order_ids=_json(list(decision.order_ids)),
            decided_at=decision.created_at,
            created_at=now,
            updated_at=now,
            created_by=SESSION_ACTOR,
        )

    def _equity_row(self, equity: EquitySnapshot, now: datetime) -> EquitySnapshotRow:
        return EquitySnapshotRow(
            tenant_id=self._tenant_id,
            session_id=equity.session_id,
            time=equity.time,
            equity=equity.equity,
            cash=equity.cash,
            position_value=equity.position_value,
            drawdown=equity.drawdown,
            created_at=now,
            updated_at=now,
            created_by=SESSION_ACTOR,
        )

    def request_stop(self, session_id: str, *, actor: str = "operator") -> SessionState:
        with self._db.session() as session:
            row = self._row(session, session_id, lock=True)
            before = SessionStatus(row.status)
            target = stop_target(before)
            if target is None:
                return _state(row)
            row.status = target.value
            row.version += 1
            row.updated_at = self._clock.now()
            session.flush()
            self._append(
                session,
                KIND_STOP_REQUESTED,
                {"session_id": session_id, "from": before.value, "to": target.value},
                actor,
            )
            return _state(row)

    def decisions(
        self, session_id: str, *, limit: int = 100, offset: int = 0, newest_first: bool = False
    ) -> list[DecisionRecord]:
        check_page(limit, offset)
        order = SessionDecisionRow.bar_time.desc() if newest_first else SessionDecisionRow.bar_time
        query = (
            select(SessionDecisionRow)
            .where(
                SessionDecisionRow.tenant_id == self._tenant_id,
                SessionDecisionRow.session_id == session_id,
            )
            .order_by(order)
            .limit(limit)
            .offset(offset)
        )
        with self._db.session(read_only=True) as session:
            self._row(session, session_id)
            return [_decision(row) for row in session.scalars(query)]

    def equity(self, session_id: str, *, since: datetime | None = None) -> list[EquitySnapshot]:
        query = select(EquitySnapshotRow).where(
            EquitySnapshotRow.tenant_id == self._tenant_id,
            EquitySnapshotRow.session_id == session_id,
        )
        if since is not None:
            query = query.where(EquitySnapshotRow.time >= since)
        query = query.order_by(EquitySnapshotRow.time)
        with self._db.session(read_only=True) as session:
            self._row(session, session_id)
            return [_equity(row) for row in session.scalars(query)]


__all__ = ["SqlSessionStore"]
