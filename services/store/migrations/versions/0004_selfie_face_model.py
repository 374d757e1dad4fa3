"""selfie checks with a face-embedding model: distance, best reference, evidence; reference photo metadata

Revision ID: 0004_selfie
Revises: 0003_push
Create Date: 2026-12-01 10:00:00

The LBP texture "similarity" is replaced by the distance between dlib ResNet face embeddings. Old LBP
descriptors cached on reference photos are dropped (recomputed on first use); old similarity values mean
nothing for the new model and are dropped with their column (a recheck fills face_distance).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_selfie'
down_revision = '0003_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reference_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('added_by', sa.String(length=60), nullable=False, server_default=''))
    op.execute("UPDATE reference_photo SET face_descriptor = NULL")
    with op.batch_alter_table('selfie_check', schema=None) as batch_op:
        batch_op.drop_column('similarity')
        batch_op.add_column(sa.Column('face_distance', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('match_threshold', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('best_reference_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('evidence', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_selfie_check_best_reference', 'reference_photo', ['best_reference_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('selfie_check', schema=None) as batch_op:
        batch_op.drop_constraint('fk_selfie_check_best_reference', type_='foreignkey')
        batch_op.drop_column('evidence')
        batch_op.drop_column('best_reference_id')
        batch_op.drop_column('match_threshold')
        batch_op.drop_column('face_distance')
        batch_op.add_column(sa.Column('similarity', sa.Float(), nullable=True))
    with op.batch_alter_table('reference_photo', schema=None) as batch_op:
        batch_op.drop_column('added_by')
        batch_op.drop_column('created_at')
        batch_op.drop_column('model')
