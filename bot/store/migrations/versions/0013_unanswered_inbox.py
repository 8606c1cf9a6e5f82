"""the knowledge team's inbox: an unanswered question is open until someone handles it (dismissed, for now)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('handled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_unanswered_questions_handled_by_agents'), 'agents',
                                    ['handled_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_unanswered_questions_handled_by_agents'), type_='foreignkey')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('handled_by')
        batch_op.drop_column('status')
