"""Orders (the OMS outbox) and their fills.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
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


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("strategy_id", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("leg", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.Column("oco_group", sa.String(64), nullable=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("replaces", sa.String(64), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(100), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("order_type", sa.String(16), nullable=False),
        sa.Column("quantity", _DEC, nullable=False),
        sa.Column("price", _DEC, nullable=True),
        sa.Column("stop_price", _DEC, nullable=True),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_quantity", _DEC, nullable=False),
        sa.Column("average_fill_price", _DEC, nullable=True),
        sa.Column("venue_order_id", sa.String(100), nullable=True),
        sa.Column("order_created_at", _TS, nullable=False),
        sa.Column("order_updated_at", _TS, nullable=True),
        sa.Column("last_reason", sa.Text(), nullable=False),
        *_audit_columns(),
        sa.Column("deleted_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        _tenant_fk("orders"),
        sa.UniqueConstraint(
            "tenant_id", "client_order_id", name="uq_orders_tenant_id_client_order_id"
        ),
    )
    op.create_index("ix_orders_tenant_id_status", "orders", ["tenant_id", "status"])
    op.create_index("ix_orders_tenant_id_strategy_id", "orders", ["tenant_id", "strategy_id"])

    op.create_table(
        "order_fills",
        sa.Column("id", _SEQ, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("trade_id", sa.String(100), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("instrument_id", sa.String(100), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("quantity", _DEC, nullable=False),
        sa.Column("price", _DEC, nullable=False),
        sa.Column("fee", _DEC, nullable=False),
        sa.Column("fee_currency", sa.String(32), nullable=False),
        sa.Column("liquidity", sa.String(8), nullable=False),
        sa.Column("time", _TS, nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_order_fills"),
        _tenant_fk("order_fills"),
        sa.UniqueConstraint(
            "tenant_id", "venue", "trade_id", name="uq_order_fills_tenant_id_venue_trade_id"
        ),
    )
    op.create_index(
        "ix_order_fills_tenant_id_client_order_id",
        "order_fills",
        ["tenant_id", "client_order_id"],
    )
    op.create_index(
        "ix_order_fills_tenant_id_venue_instrument_id_time",
        "order_fills",
        ["tenant_id", "venue", "instrument_id", "time"],
    )


def downgrade() -> None:
    op.drop_index("ix_order_fills_tenant_id_venue_instrument_id_time", table_name="order_fills")
    op.drop_index("ix_order_fills_tenant_id_client_order_id", table_name="order_fills")
    op.drop_table("order_fills")
    op.drop_index("ix_orders_tenant_id_strategy_id", table_name="orders")
    op.drop_index("ix_orders_tenant_id_status", table_name="orders")
    op.drop_table("orders")
