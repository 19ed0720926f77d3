"""proposals reviews projects

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:49:35.639754

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'shortlisted', 'declined', 'selected', 'not_selected', 'withdrawn', name='proposalstate', native_enum=False, length=16), nullable=False),
    sa.Column('technical_plan', sa.Text(), nullable=False),
    sa.Column('team', sa.Text(), nullable=False),
    sa.Column('track_record', sa.Text(), nullable=False),
    sa.Column('price_wan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=False),
    sa.Column('decline_code', sa.Enum('out_of_scope', 'indicators', 'price', 'team', 'other', name='declinecode', native_enum=False, length=16), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_proposal_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_proposal_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_proposal_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('challenge_id', 'organisation_id', name=op.f('uq_proposal_challenge_id'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_state'), ['state'], unique=False)

    op.create_table('publicity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_publicity_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_publicity_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity'))
    )
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('consortium_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('invited', 'accepted', 'declined', name='memberstate', native_enum=False, length=16), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_consortium_member_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_consortium_member_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consortium_member')),
    sa.UniqueConstraint('proposal_id', 'organisation_id', name=op.f('uq_consortium_member_proposal_id'))
    )
    with op.batch_alter_table('consortium_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consortium_member_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consortium_member_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_objection_publicity_id_publicity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_objection_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_publicity_id'), ['publicity_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('approved', 'in_progress', 'accepted', 'terminated', name='projectstate', native_enum=False, length=16), nullable=False),
    sa.Column('funding_wan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('task_book', sa.Text(), nullable=False),
    sa.Column('midterm_result', sa.String(length=16), nullable=False),
    sa.Column('midterm_note', sa.Text(), nullable=False),
    sa.Column('stage_gate', sa.String(length=16), nullable=False),
    sa.Column('acceptance_checks', sa.JSON(), nullable=False),
    sa.Column('acceptance_note', sa.Text(), nullable=False),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_project_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_project_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_project_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_project_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_project_proposal_id'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_state'), ['state'], unique=False)

    op.create_table('proposal_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('deliverable', sa.Text(), nullable=False),
    sa.Column('fund_share', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_milestone_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_milestone'))
    )
    with op.batch_alter_table('proposal_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_milestone_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('assigned', 'submitted', 'recused', name='reviewstate', native_enum=False, length=16), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recusal_reason', sa.Text(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_review_assigned_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['expert_id'], ['user.id'], name=op.f('fk_review_expert_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_review_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('proposal_id', 'expert_id', name=op.f('uq_review_proposal_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_state'), ['state'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('deliverable', sa.Text(), nullable=False),
    sa.Column('fund_share', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'submitted', 'confirmed', 'rejected', name='milestonestate', native_enum=False, length=16), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enterprise_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('admin_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_milestone_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_state'), ['state'], unique=False)

    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_achievement_project_id_project'), 'project', ['project_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rubric', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('failure_reason', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_column('failure_reason')
        batch_op.drop_column('rubric')

    with op.batch_alter_table('achievement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_achievement_project_id_project'), type_='foreignkey')
        batch_op.drop_column('project_id')

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_state'))
        batch_op.drop_index(batch_op.f('ix_milestone_project_id'))
        batch_op.drop_index(batch_op.f('ix_milestone_due_date'))

    op.drop_table('milestone')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_state'))
        batch_op.drop_index(batch_op.f('ix_review_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_review_expert_id'))

    op.drop_table('review')
    with op.batch_alter_table('proposal_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_milestone_proposal_id'))

    op.drop_table('proposal_milestone')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_state'))
        batch_op.drop_index(batch_op.f('ix_project_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_project_challenge_id'))

    op.drop_table('project')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_publicity_id'))

    op.drop_table('objection')
    with op.batch_alter_table('consortium_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consortium_member_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_consortium_member_organisation_id'))

    op.drop_table('consortium_member')
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_challenge_id'))

    op.drop_table('publicity')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_proposal_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_challenge_id'))

    op.drop_table('proposal')
