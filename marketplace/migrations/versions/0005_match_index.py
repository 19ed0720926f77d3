"""match index change log and recommendation feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:28:00.696607

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('index_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_change'))
    )
    with op.batch_alter_table('index_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_change_doc_id'), ['doc_id'], unique=False)

    op.create_table('recommendation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('context', sa.String(length=32), nullable=False),
    sa.Column('query_id', sa.String(length=32), nullable=False),
    sa.Column('doc_id', sa.String(length=32), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recommendation_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_event'))
    )
    with op.batch_alter_table('recommendation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_event_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_event_doc_id'), ['doc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_event_query_id'), ['query_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_event_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('recommendation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_event_query_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_event_doc_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_event_chain_id'))

    op.drop_table('recommendation_event')
    with op.batch_alter_table('index_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_change_doc_id'))

    op.drop_table('index_change')
