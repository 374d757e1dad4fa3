"""audit chain: append-only triggers, key wraps, report anchors, login throttling

- audit_event: triggers refuse UPDATE and DELETE (SQLite; PostgreSQL also TRUNCATE);
- audit_key_wrap: the audit-chain key wrapped under a user's password (only without a keyring);
- audit_pending: login failures seen while the audit key was not open (moved into the chain later);
- report.audit_head_id/hash: the chain head printed in the monthly report PDF;
- app_user.failed_logins/lock_level/locked_until: login throttling.

Existing audit rows stay as they are (plain sha256); the key record says from which event on the
chain is keyed (services.auth.audit_key).

Revision ID: 0007_audit_chain
Revises: 0006_pull
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.store import audit_guard

revision = "0007_audit_chain"
down_revision = "0006_pull"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_key_wrap",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lock_level", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_head_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("audit_head_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    for sql in audit_guard.statements(bind.dialect.name):
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for sql in audit_guard.statements(bind.dialect.name, drop=True):
        op.execute(sql)
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("audit_head_hash")
        batch_op.drop_column("audit_head_id")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("lock_level")
        batch_op.drop_column("failed_logins")
    op.drop_table("audit_pending")
    op.drop_table("audit_key_wrap")
