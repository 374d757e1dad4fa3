"""performance indexes: punches by time

Revision ID: 0007_perf_indexes
Revises: 0006_pull
Create Date: 2026-12-01 13:30:00

Every month-wide read of punches (the reconcile engine's month load, the dashboard's "today" counts)
filters on ``punch.ts`` alone; the only index starting with ``ts`` was none (``uq_punch_natural``
starts with the serial, ``ix_punch_employee_ts`` with the employee), so each such read walked the
whole punch table: a year of a 5,000-employee office is 2.5 M rows for a 310 k-row month.
``(ts, employee_id)`` bounds the read to the month and also covers the engine's
``GROUP BY employee_id`` of ``ts`` without touching the table.
"""

from __future__ import annotations

from alembic import op


revision = '0007_perf_indexes'
down_revision = '0006_pull'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.create_index('ix_punch_ts_employee', ['ts', 'employee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.drop_index('ix_punch_ts_employee')
