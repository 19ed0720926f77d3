"""key_link: the year's key missing links as their own records, answered by 0..n challenges

Every challenge.key_link_year mark becomes one key link (segment = the listing's title, why missing =
its difficulty, targets = its indicators, year = the mark) answered by that listing; then the column
goes, so the links are the one source of truth.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=200), nullable=False),
    sa.Column('why_missing', sa.Text(), nullable=False),
    sa.Column('target_indicators', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('key_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_link_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_link_year'), ['year'], unique=False)
    op.create_table('key_link_challenge',
    sa.Column('key_link_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_link_id'], ['key_link.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_link_id', 'challenge_id'),
    sa.UniqueConstraint('challenge_id')
    )
    bind = op.get_bind()
    challenge = sa.table('challenge', sa.column('id', sa.Integer), sa.column('chain_id', sa.Integer),
                         sa.column('title', sa.String), sa.column('difficulty', sa.Text),
                         sa.column('indicators', sa.Text), sa.column('key_link_year', sa.Integer),
                         sa.column('created_at'))  # untyped: the stored value is copied as it is
    key_link = sa.table('key_link', sa.column('id', sa.Integer), sa.column('chain_id', sa.Integer),
                        sa.column('year', sa.Integer), sa.column('segment', sa.String),
                        sa.column('why_missing', sa.Text), sa.column('target_indicators', sa.Text),
                        sa.column('priority', sa.Integer), sa.column('created_at'),
                        sa.column('version', sa.Integer))
    answered = sa.table('key_link_challenge', sa.column('key_link_id', sa.Integer), sa.column('challenge_id', sa.Integer))
    marked = bind.execute(sa.select(challenge).where(challenge.c.key_link_year.is_not(None))
                          .order_by(challenge.c.id)).all()
    for row in marked:
        link_id = bind.execute(key_link.insert().values(
            chain_id=row.chain_id, year=row.key_link_year, segment=(row.title or "")[:200],
            why_missing=row.difficulty or "", target_indicators=row.indicators or "", priority=2,
            created_at=row.created_at, version=1).returning(key_link.c.id)).scalar_one()  # dated from its listing
        bind.execute(answered.insert().values(key_link_id=link_id, challenge_id=row.id))
    # No table copy on SQLite (recreate="never": ALTER TABLE … DROP COLUMN, SQLite ≥ 3.35): with foreign
    # keys on, dropping the old challenge table would cascade-delete its proposals, projects and the
    # key_link_challenge rows just written.
    with op.batch_alter_table('challenge', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_key_link_year'))
        batch_op.drop_column('key_link_year')


def downgrade():
    with op.batch_alter_table('challenge', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('key_link_year', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_challenge_key_link_year'), ['key_link_year'], unique=False)
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE challenge SET key_link_year = (SELECT key_link.year FROM key_link_challenge "
        "JOIN key_link ON key_link.id = key_link_challenge.key_link_id "
        "WHERE key_link_challenge.challenge_id = challenge.id)"))
    op.drop_table('key_link_challenge')
    with op.batch_alter_table('key_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_link_year'))
        batch_op.drop_index(batch_op.f('ix_key_link_chain_id'))
    op.drop_table('key_link')
