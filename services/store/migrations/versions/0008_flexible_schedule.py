"""flexible schedule start and mobile app version

- schedule.flex_minutes: a schedule's own flexible-start window (jam masuk fleksibel; NULL = the
  region policy's [schedule] value, 0 = none).
- punch.app_version: the version of the mobile app that made a mobile record (NULL = not reported),
  checked against the policy's minimum version from its effective date.

Revision ID: 0008_flexible_schedule
Revises: 0007_audit_chain
Create Date: 2026-12-01 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_flexible_schedule"
down_revision = "0007_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flex_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("punch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app_version", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("punch", schema=None) as batch_op:
        batch_op.drop_column("app_version")
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_column("flex_minutes")
