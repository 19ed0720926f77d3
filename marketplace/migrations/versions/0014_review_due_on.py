"""review.due_on: a review's own due date, set when it is assigned; review.reminded_at: its reminder

Existing reviews are due REVIEW_DAYS (10) after the day they were assigned (China time).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:00:00

"""
from datetime import timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHINA_TIME = timezone(timedelta(hours=8))  # as marketplace/clock.py; a migration keeps its own copy
REVIEW_DAYS = 10  # the default of config.REVIEW_DAYS when this was written


def upgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
    review = sa.table('review', sa.column('id', sa.Integer), sa.column('due_on', sa.Date),
                      sa.column('assigned_at', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    for review_id, assigned_at in bind.execute(sa.select(review.c.id, review.c.assigned_at)).all():
        if assigned_at.tzinfo is None:  # stored in UTC (SQLite keeps no zone)
            assigned_at = assigned_at.replace(tzinfo=timezone.utc)
        bind.execute(review.update().where(review.c.id == review_id).values(
            due_on=assigned_at.astimezone(CHINA_TIME).date() + timedelta(days=REVIEW_DAYS)))
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.alter_column('due_on', existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('due_on')
