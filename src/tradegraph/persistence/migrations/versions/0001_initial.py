"""Initial schema: tenants (with the default tenant), audit_journal, audit_head.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENESIS = "0" * 64
_TS = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_PG_APPEND_ONLY = """
CREATE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'audit_journal is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$body$
"""


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("deleted_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "audit_journal",
        sa.Column("seq", _SEQ, autoincrement=False, nullable=False),
        sa.Column("time", _TS, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_journal"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_audit_journal_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("prev_hash", name="uq_audit_journal_prev_hash"),
        sa.UniqueConstraint("hash", name="uq_audit_journal_hash"),
    )
    op.create_index("ix_audit_journal_tenant_id", "audit_journal", ["tenant_id"])
    op.create_index("ix_audit_journal_kind", "audit_journal", ["kind"])
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.execute(
        tenants.insert().values(
            id="default",
            name="Default tenant",
            created_at=sa.func.now(),
            updated_at=sa.func.now(),
            created_by="system:migration",
        )
    )
    op.execute(audit_head.insert().values(id=1, seq=0, hash=_GENESIS))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_journal_no_update_delete BEFORE UPDATE OR DELETE "
            "ON audit_journal FOR EACH ROW EXECUTE FUNCTION audit_journal_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_journal_no_truncate BEFORE TRUNCATE "
            "ON audit_journal FOR EACH STATEMENT EXECUTE FUNCTION audit_journal_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_journal_no_{operation.lower()} BEFORE {operation} "
                "ON audit_journal BEGIN "
                f"SELECT RAISE(ABORT, 'audit_journal is append-only: {operation} refused'); "
                "END"
            )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_journal_kind", table_name="audit_journal")
    op.drop_index("ix_audit_journal_tenant_id", table_name="audit_journal")
    op.drop_table("audit_journal")
    op.drop_table("tenants")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_journal_append_only()")
