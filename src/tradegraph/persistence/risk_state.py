"""Database-backed ``RiskStateStore``: drawdown-guard state per (tenant, strategy).

``save`` writes the state row and journals every transition in **one** unit of work, so a
guard state change is never stored without its audit entry, or journalled without being
stored. The state is kept as canonical JSON of ``GuardState.to_dict()``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select

from tradegraph.core.clock import Clock
from tradegraph.core.errors import IntegrityError
from tradegraph.core.ids import canonical_json
from tradegraph.model.tenant import check_tenant_id
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.rows import RiskGuardStateRow
from tradegraph.risk.guard import GuardState, GuardTransition


class SqlRiskStateStore:
    """``RiskStateStore`` on the tradegraph database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database, journal: AuditJournal, clock: Clock) -> None:
        self._database = database
        self._journal = journal
        self._clock = clock

    def load(self, tenant_id: str, strategy_id: str) -> GuardState | None:
        check_tenant_id(tenant_id)
        with self._database.session(read_only=True) as session:
            row = session.get(RiskGuardStateRow, (tenant_id, strategy_id))
            if row is None:
                return None
            text = row.state
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IntegrityError(
                f"Stored risk state of {tenant_id}/{strategy_id} is not valid JSON.",
                hint="Restore it from the audit journal or reset the guard.",
            ) from exc
        return GuardState.from_dict(data)

    def save(
        self,
        tenant_id: str,
        strategy_id: str,
        state: GuardState,
        transitions: Sequence[GuardTransition],
    ) -> None:
        check_tenant_id(tenant_id)
        now = self._clock.now()
        text = canonical_json(state.to_dict()).decode("utf-8")
        with self._database.session() as session:
            row = session.get(RiskGuardStateRow, (tenant_id, strategy_id))
            if row is None:
                session.add(
                    RiskGuardStateRow(
                        tenant_id=tenant_id,
                        strategy_id=strategy_id,
                        mode=state.mode.value,
                        state=text,
                        created_at=now,
                        updated_at=now,
                        created_by="risk",
                    )
                )
            else:
                row.mode = state.mode.value
                row.state = text
                row.updated_at = now
            session.flush()
            for transition in transitions:
                payload = {**transition.audit_payload(), "strategy_id": strategy_id}
                self._journal.append_in(
                    session,
                    GuardTransition.AUDIT_KIND,
                    transition.actor,
                    payload,
                    tenant_id=tenant_id,
                )

    def strategies(self, tenant_id: str) -> Sequence[str]:
        check_tenant_id(tenant_id)
        query = (
            select(RiskGuardStateRow.strategy_id)
            .where(RiskGuardStateRow.tenant_id == tenant_id)
            .order_by(RiskGuardStateRow.strategy_id)
        )
        with self._database.session(read_only=True) as session:
            return list(session.scalars(query))


__all__ = ["SqlRiskStateStore"]
