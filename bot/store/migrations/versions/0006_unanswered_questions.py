"""unanswered questions (out of scope, not understood) for the knowledge team

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unanswered_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('intent', sa.String(length=80), nullable=True),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("reason IN ('out_of_scope', 'fallback')", name=op.f('ck_unanswered_questions_reason')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_questions'))
    )
    op.create_index('ix_unanswered_questions_created_at', 'unanswered_questions', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_unanswered_questions_created_at', table_name='unanswered_questions')
    op.drop_table('unanswered_questions')
