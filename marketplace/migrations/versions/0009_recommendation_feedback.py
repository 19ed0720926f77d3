"""one recommendation feedback event per user, context, query, document and kind

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = ['user_id', 'context', 'query_id', 'doc_id', 'kind']


def upgrade():
    # Repeated clicks (and forged floods) already stored: keep each user's first event per pairing and kind.
    op.execute(
        "DELETE FROM recommendation_event WHERE user_id IS NOT NULL AND id NOT IN ("
        " SELECT min(id) FROM recommendation_event WHERE user_id IS NOT NULL"
        " GROUP BY user_id, context, query_id, doc_id, kind)")
    with op.batch_alter_table('recommendation_event', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_recommendation_event_user_id', COLUMNS)


def downgrade():
    with op.batch_alter_table('recommendation_event', schema=None) as batch_op:
        batch_op.drop_constraint('uq_recommendation_event_user_id', type_='unique')
