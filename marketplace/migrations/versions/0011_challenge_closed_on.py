"""challenge.closed_on: the day applications closed, so that an early close shows its real date

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:10:00

"""
from datetime import timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHINA_TIME = timezone(timedelta(hours=8))  # as marketplace/clock.py; a migration keeps its own copy


def upgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
    # Until now the close was only in the audit trail: carry over the closes a person made (the
    # poster or a manager, early); the system's closes at the deadline need no date of their own.
    audit = sa.table('audit_event', sa.column('action', sa.String), sa.column('subject_type', sa.String),
                     sa.column('subject_id', sa.Integer), sa.column('actor_id', sa.Integer),
                     sa.column('created_at', sa.DateTime(timezone=True)))
    challenge = sa.table('challenge', sa.column('id', sa.Integer), sa.column('closed_on', sa.Date))
    bind = op.get_bind()
    closes = bind.execute(
        sa.select(audit.c.subject_id, sa.func.max(audit.c.created_at))
        .where(audit.c.action == 'challenge_closed', audit.c.subject_type == 'challenge',
               audit.c.actor_id.is_not(None))
        .group_by(audit.c.subject_id)).all()
    for challenge_id, closed_at in closes:
        if closed_at is None:
            continue
        if closed_at.tzinfo is None:  # stored in UTC (SQLite keeps no zone)
            closed_at = closed_at.replace(tzinfo=timezone.utc)
        bind.execute(challenge.update().where(challenge.c.id == challenge_id)
                     .values(closed_on=closed_at.astimezone(CHINA_TIME).date()))


def downgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
