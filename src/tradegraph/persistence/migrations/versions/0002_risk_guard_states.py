"""Drawdown-guard state per (tenant, strategy).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "risk_guard_states",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("strategy_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "strategy_id", name="pk_risk_guard_states"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_risk_guard_states_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_risk_guard_states_mode", "risk_guard_states", ["mode"])


def downgrade() -> None:
    op.drop_index("ix_risk_guard_states_mode", table_name="risk_guard_states")
    op.drop_table("risk_guard_states")
