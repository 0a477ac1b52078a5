"""Paper/live sessions, their decisions and equity snapshots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# exact decimals: NUMERIC (unconstrained scale) on PostgreSQL, str(Decimal) text on SQLite
_DEC = sa.Numeric().with_variant(sa.String(64), "sqlite")


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    ]


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "session_id"],
        ["sessions.tenant_id", "sessions.session_id"],
        name=f"fk_{table}_tenant_id_sessions",
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("strategy_id", sa.String(64), nullable=False),
        sa.Column("workflow", sa.String(500), nullable=False),
        sa.Column("instrument_id", sa.String(100), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("feed", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("spec_created_at", _TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cursor_at", _TS, nullable=True),
        sa.Column("bars_processed", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("heartbeat_at", _TS, nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_audit_columns(),
        sa.Column("deleted_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "session_id", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_sessions_tenant_id_tenants", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_sessions_tenant_id_status", "sessions", ["tenant_id", "status"])
    op.create_index("ix_sessions_tenant_id_strategy_id", "sessions", ["tenant_id", "strategy_id"])

    op.create_table(
        "session_decisions",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("bar_time", _TS, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("exit_signal", sa.Boolean(), nullable=False),
        sa.Column("entry", sa.Double(), nullable=True),
        sa.Column("stop", sa.Double(), nullable=True),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_session_decisions"),
        _session_fk("session_decisions"),
        sa.UniqueConstraint(
            "tenant_id",
            "session_id",
            "bar_time",
            name="uq_session_decisions_tenant_id_session_id_bar_time",
        ),
        sa.UniqueConstraint(
            "tenant_id", "decision_id", name="uq_session_decisions_tenant_id_decision_id"
        ),
    )

    op.create_table(
        "equity_snapshots",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("time", _TS, nullable=False),
        sa.Column("equity", _DEC, nullable=False),
        sa.Column("cash", _DEC, nullable=False),
        sa.Column("position_value", _DEC, nullable=False),
        sa.Column("drawdown", _DEC, nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_equity_snapshots"),
        _session_fk("equity_snapshots"),
        sa.UniqueConstraint(
            "tenant_id", "session_id", "time", name="uq_equity_snapshots_tenant_id_session_id_time"
        ),
    )


def downgrade() -> None:
    op.drop_table("equity_snapshots")
    op.drop_table("session_decisions")
    op.drop_index("ix_sessions_tenant_id_strategy_id", table_name="sessions")
    op.drop_index("ix_sessions_tenant_id_status", table_name="sessions")
    op.drop_table("sessions")
