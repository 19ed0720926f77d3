"""organisation.digest_sent_on: the weekly digest is claimed per organisation before it is sent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00

"""
from datetime import timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CHINA_TIME = timezone(timedelta(hours=8))  # as marketplace/clock.py; a migration keeps its own copy


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_sent_on', sa.Date(), nullable=True))
    # Until now the last digest was read off the inbox: carry it over, so that nobody gets a second
    # one this week because of the upgrade.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('organisation_id', sa.Integer))
    notification = sa.table('notification', sa.column('user_id', sa.Integer), sa.column('category', sa.String),
                            sa.column('created_at', sa.DateTime(timezone=True)))
    organisation = sa.table('organisation', sa.column('id', sa.Integer), sa.column('digest_sent_on', sa.Date))
    bind = op.get_bind()
    last = bind.execute(
        sa.select(user.c.organisation_id, sa.func.max(notification.c.created_at))
        .select_from(notification.join(user, user.c.id == notification.c.user_id))
        .where(notification.c.category == 'digest', user.c.organisation_id.is_not(None))
        .group_by(user.c.organisation_id)).all()
    for organisation_id, sent_at in last:
        if sent_at is None:
            continue
        if sent_at.tzinfo is None:  # stored in UTC (SQLite keeps no zone)
            sent_at = sent_at.replace(tzinfo=timezone.utc)
        bind.execute(organisation.update().where(organisation.c.id == organisation_id)
                     .values(digest_sent_on=sent_at.astimezone(CHINA_TIME).date()))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_on')
