"""row versions for compare-and-set on every stateful table, and one 公示 per challenge

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

VERSIONED = ('organisation', 'review', 'publicity', 'objection', 'project', 'milestone', 'consortium_member',
             'challenge_question')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    # Two simultaneous 遴选 could open two 公示 before this constraint: which one stands is a decision
    # for the lead department, not for a migration, so stop and name them rather than delete one.
    doubled = op.get_bind().execute(sa.text(
        "SELECT challenge_id FROM publicity GROUP BY challenge_id HAVING COUNT(*) > 1")).scalars().all()
    if doubled:
        raise RuntimeError(
            "These challenges have more than one 公示 (publicity rows), left by the race this migration closes: "
            f"{', '.join(map(str, doubled))}. Delete the mistaken one(s) and run db-upgrade again.")
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_challenge_id')
        batch_op.create_index('ix_publicity_challenge_id', ['challenge_id'], unique=True)


def downgrade():
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_challenge_id')
        batch_op.create_index('ix_publicity_challenge_id', ['challenge_id'], unique=False)
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
