"""performance indexes: punches by time, day records to review

Revision ID: 0009_perf_indexes
Revises: 0008_flexible_schedule
Create Date: 2026-12-01 13:30:00

Every month-wide read of punches (the reconcile engine's month load, the dashboard's "today" counts)
filters on ``punch.ts`` alone; the only index starting with ``ts`` was none (``uq_punch_natural``
starts with the serial, ``ix_punch_employee_ts`` with the employee), so each such read walked the
whole punch table: a year of a 5,000-employee office is 2.5 M rows for a 310 k-row month.
``(ts, employee_id)`` bounds the read to the month and also covers the engine's
``GROUP BY employee_id`` of ``ts`` without touching the table.

``ix_punch_outside_geofence`` holds the few mobile punches outside the geofence (they do not count):
the month load found them by reading every punch row of the month (0.8 s of a 1.4 s load).

``ix_day_record_review`` is a partial index of the few day records that may need a look (TK, or any
flag, not corrected): the dashboard's "hari perlu ditinjau" counts them for the month without reading
the month's 150 k rows. Its condition is repeated verbatim by the query (SQLite matches it term by term).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

OUTSIDE_GEOFENCE = "source = 'mobile' AND flags LIKE '%outside_geofence%'"
REVIEW_SQLITE = "corrected = 0 AND (status = 'TK' OR flags <> '')"
REVIEW_POSTGRESQL = "NOT corrected AND (status = 'TK' OR flags <> '')"


revision = '0009_perf_indexes'
down_revision = '0008_flexible_schedule'  # re-chained on merge (one head)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.create_index('ix_punch_ts_employee', ['ts', 'employee_id'], unique=False)
        batch_op.create_index('ix_punch_outside_geofence', ['ts', 'employee_id'], unique=False,
                              sqlite_where=sa.text(OUTSIDE_GEOFENCE), postgresql_where=sa.text(OUTSIDE_GEOFENCE))
    with op.batch_alter_table('day_record', schema=None) as batch_op:
        batch_op.create_index('ix_day_record_review', ['date', 'employee_id'], unique=False,
                              sqlite_where=sa.text(REVIEW_SQLITE), postgresql_where=sa.text(REVIEW_POSTGRESQL))


def downgrade() -> None:
    with op.batch_alter_table('day_record', schema=None) as batch_op:
        batch_op.drop_index('ix_day_record_review')
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.drop_index('ix_punch_outside_geofence')
        batch_op.drop_index('ix_punch_ts_employee')
