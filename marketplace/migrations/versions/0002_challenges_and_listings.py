"""challenges, capabilities, achievements, attachments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:33:41.397101

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attachment_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_owner_type'), ['owner_type'], unique=False)

    op.create_table('capability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('direction', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('team_lead', sa.String(length=64), nullable=False),
    sa.Column('team_size', sa.Integer(), nullable=True),
    sa.Column('notable_members', sa.Text(), nullable=False),
    sa.Column('facilities', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('active', 'archived', name='listingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_capability_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_capability_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capability'))
    )
    with op.batch_alter_table('capability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capability_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_capability_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_capability_status'), ['status'], unique=False)

    op.create_table('challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('open_call', 'commissioned', 'joint', name='challengemode', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('background', sa.Text(), nullable=False),
    sa.Column('difficulty', sa.Text(), nullable=False),
    sa.Column('indicators', sa.Text(), nullable=False),
    sa.Column('expected_outcome', sa.Text(), nullable=False),
    sa.Column('budget_wan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('period_months', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=500), nullable=False),
    sa.Column('ip_terms', sa.Enum('solver_licence', 'assigned', 'joint', 'negotiable', name='ipterms', native_enum=False, length=16), nullable=False),
    sa.Column('visibility', sa.Enum('public', 'summary', 'invited', name='visibility', native_enum=False, length=16), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'published', 'closed', 'awarded', 'failed', 'withdrawn', name='challengestate', native_enum=False, length=16), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('key_link_year', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_challenge_chain_id_chain')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_challenge_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_challenge_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge'))
    )
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_state'), ['state'], unique=False)

    op.create_table('achievement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=False),
    sa.Column('ip', sa.Text(), nullable=False),
    sa.Column('transfer_mode', sa.Enum('transfer', 'licence', 'equity', 'joint_dev', 'service', name='transfermode', native_enum=False, length=16), nullable=True),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'archived', name='listingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_achievement_chain_id_chain')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_achievement_challenge_id_challenge'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_achievement_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_achievement_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievement'))
    )
    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievement_status'), ['status'], unique=False)

    op.create_table('capability_chain',
    sa.Column('capability_id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['capability_id'], ['capability.id'], name=op.f('fk_capability_chain_capability_id_capability'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_capability_chain_chain_id_chain'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capability_id', 'chain_id', name=op.f('pk_capability_chain'))
    )
    op.create_table('challenge_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_invitation_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_challenge_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_challenge_invitation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_invitation')),
    sa.UniqueConstraint('challenge_id', 'organisation_id', name=op.f('uq_challenge_invitation_challenge_id'))
    )
    op.create_table('challenge_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_challenge_question_answered_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user.id'], name=op.f('fk_challenge_question_asked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_question_challenge_id_challenge'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_question'))
    )
    with op.batch_alter_table('challenge_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_question_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('challenge_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_challenge_revision_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['user.id'], name=op.f('fk_challenge_revision_editor_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_revision'))
    )
    with op.batch_alter_table('challenge_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_revision_challenge_id'), ['challenge_id'], unique=False)



def downgrade():
    with op.batch_alter_table('challenge_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_revision_challenge_id'))

    op.drop_table('challenge_revision')
    with op.batch_alter_table('challenge_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_question_challenge_id'))

    op.drop_table('challenge_question')
    op.drop_table('challenge_invitation')
    op.drop_table('capability_chain')
    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievement_status'))
        batch_op.drop_index(batch_op.f('ix_achievement_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_achievement_created_at'))
        batch_op.drop_index(batch_op.f('ix_achievement_chain_id'))

    op.drop_table('achievement')
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_state'))
        batch_op.drop_index(batch_op.f('ix_challenge_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_deadline'))
        batch_op.drop_index(batch_op.f('ix_challenge_created_at'))
        batch_op.drop_index(batch_op.f('ix_challenge_chain_id'))

    op.drop_table('challenge')
    with op.batch_alter_table('capability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capability_status'))
        batch_op.drop_index(batch_op.f('ix_capability_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_capability_created_at'))

    op.drop_table('capability')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_owner_type'))
        batch_op.drop_index(batch_op.f('ix_attachment_owner_id'))

    op.drop_table('attachment')
