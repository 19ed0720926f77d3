"""chain governance: annual work plans (工作要点 + 工作清单 with 任务图, progress notes, revisions),
督办单 (supervision), the year-end report's narrative (chain_report), and the read-only 链长 / 总链长
fields on user

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chain_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_chain_report_chain_id_chain'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_chain_report_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_report')),
    sa.UniqueConstraint('chain_id', 'year', name=op.f('uq_chain_report_chain_id'))
    )
    with op.batch_alter_table('chain_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_report_chain_id'), ['chain_id'], unique=False)

    op.create_table('work_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('key_points', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='planstate', native_enum=False, length=16), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('revision_no', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_work_plan_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_work_plan_chain_id_chain'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_work_plan_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plan')),
    sa.UniqueConstraint('chain_id', 'year', name=op.f('uq_work_plan_chain_id'))
    )
    with op.batch_alter_table('work_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plan_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_plan_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_plan_year'), ['year'], unique=False)

    op.create_table('work_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.Enum('key_link', 'investment', 'platform', 'policy', 'promotion', 'other', name='plancategory', native_enum=False, length=16), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('responsible_unit', sa.String(length=128), nullable=False),
    sa.Column('responsible_person', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['work_plan.id'], name=op.f('fk_work_plan_item_plan_id_work_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plan_item'))
    )
    with op.batch_alter_table('work_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plan_item_plan_id'), ['plan_id'], unique=False)

    op.create_table('work_plan_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('revision_no', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_work_plan_revision_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['work_plan.id'], name=op.f('fk_work_plan_revision_plan_id_work_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plan_revision')),
    sa.UniqueConstraint('plan_id', 'revision_no', name=op.f('uq_work_plan_revision_plan_id'))
    )
    with op.batch_alter_table('work_plan_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plan_revision_plan_id'), ['plan_id'], unique=False)

    op.create_table('work_plan_item_challenge',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], name=op.f('fk_work_plan_item_challenge_challenge_id_challenge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_work_plan_item_challenge_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'challenge_id', name=op.f('pk_work_plan_item_challenge'))
    )
    op.create_table('work_plan_item_key_link',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('key_link_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_work_plan_item_key_link_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_link_id'], ['key_link.id'], name=op.f('fk_work_plan_item_key_link_key_link_id_key_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'key_link_id', name=op.f('pk_work_plan_item_key_link'))
    )
    op.create_table('work_plan_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_work_plan_milestone_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_work_plan_milestone_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plan_milestone'))
    )
    with op.batch_alter_table('work_plan_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plan_milestone_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_plan_milestone_item_id'), ['item_id'], unique=False)

    op.create_table('work_plan_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_work_plan_progress_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_work_plan_progress_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plan_progress'))
    )
    with op.batch_alter_table('work_plan_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plan_progress_item_id'), ['item_id'], unique=False)

    op.create_table('supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('reply_due', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('open', 'answered', name='supervisionstate', native_enum=False, length=16), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(item_id IS NULL) <> (project_id IS NULL)', name=op.f('ck_supervision_supervision_one_subject')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_supervision_chain_id_chain'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_supervision_issued_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_supervision_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_supervision_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user.id'], name=op.f('fk_supervision_replied_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision'))
    )
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_reply_due'), ['reply_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_year'), ['year'], unique=False)

    op.create_table('work_plan_item_project',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['work_plan_item.id'], name=op.f('fk_work_plan_item_project_item_id_work_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_work_plan_item_project_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'project_id', name=op.f('pk_work_plan_item_project'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leader_chain_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_chief_leader', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_user_leader_chain_id_chain'), 'chain', ['leader_chain_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_leader_chain_id_chain'), type_='foreignkey')
        batch_op.drop_column('is_chief_leader')
        batch_op.drop_column('leader_chain_id')

    op.drop_table('work_plan_item_project')
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_year'))
        batch_op.drop_index(batch_op.f('ix_supervision_state'))
        batch_op.drop_index(batch_op.f('ix_supervision_reply_due'))
        batch_op.drop_index(batch_op.f('ix_supervision_project_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_item_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_chain_id'))

    op.drop_table('supervision')
    with op.batch_alter_table('work_plan_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_plan_progress_item_id'))

    op.drop_table('work_plan_progress')
    with op.batch_alter_table('work_plan_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_plan_milestone_item_id'))
        batch_op.drop_index(batch_op.f('ix_work_plan_milestone_due_on'))

    op.drop_table('work_plan_milestone')
    op.drop_table('work_plan_item_key_link')
    op.drop_table('work_plan_item_challenge')
    with op.batch_alter_table('work_plan_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_plan_revision_plan_id'))

    op.drop_table('work_plan_revision')
    with op.batch_alter_table('work_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_plan_item_plan_id'))

    op.drop_table('work_plan_item')
    with op.batch_alter_table('work_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_plan_year'))
        batch_op.drop_index(batch_op.f('ix_work_plan_state'))
        batch_op.drop_index(batch_op.f('ix_work_plan_chain_id'))

    op.drop_table('work_plan')
    with op.batch_alter_table('chain_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_report_chain_id'))

    op.drop_table('chain_report')
