"""index challenge.key_link_year (the yearly quota count on every managed listing page)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_key_link_year'), ['key_link_year'], unique=False)


def downgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_key_link_year'))
