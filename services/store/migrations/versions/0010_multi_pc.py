"""several PCs on one OPD database: row versions, one active correction per day and field, longer policy path

letter and selfie_check get a row version (optimistic locking: an edit made from a stale view is
refused instead of overwriting another PC's edit). Of several active corrections of the same
employee, day and field (possible before this revision when two PCs raced) the newest stays
active, as the engine already applied it, and a partial unique index keeps it so.

Revision ID: 0010_multi_pc
Revises: 0009_perf_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_multi_pc'
down_revision = '0009_perf_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # 0001 declared opd.head_employee_id -> employee.id with use_alter, which create_table skips: SQLite
        # never enforced it anyway, PostgreSQL gets the constraint the models describe
        op.create_foreign_key('fk_opd_head_employee_id', 'opd', 'employee', ['head_employee_id'], ['id'])
    # a region's own policy file is stored by its path, longer than 60 (PostgreSQL enforces the length)
    with op.batch_alter_table('opd') as batch:
        batch.alter_column('policy_preset', existing_type=sa.String(length=60), type_=sa.String(length=500),
                           existing_nullable=False)
    with op.batch_alter_table('letter') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('selfie_check') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.execute("UPDATE correction SET active = false WHERE active = true AND id < ("
               "SELECT max(c2.id) FROM correction c2 WHERE c2.employee_id = correction.employee_id "
               "AND c2.date = correction.date AND c2.field = correction.field AND c2.active = true)")
    op.create_index('uq_correction_active', 'correction', ['employee_id', 'date', 'field'], unique=True,
                    sqlite_where=sa.text('active = 1'), postgresql_where=sa.text('active'))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('fk_opd_head_employee_id', 'opd', type_='foreignkey')
    with op.batch_alter_table('opd') as batch:
        batch.alter_column('policy_preset', existing_type=sa.String(length=500), type_=sa.String(length=60),
                           existing_nullable=False)
    op.drop_index('uq_correction_active', table_name='correction')
    with op.batch_alter_table('selfie_check') as batch:
        batch.drop_column('version')
    with op.batch_alter_table('letter') as batch:
        batch.drop_column('version')
