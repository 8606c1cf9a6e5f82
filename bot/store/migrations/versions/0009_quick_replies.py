"""quick replies: standard answers agents insert into the reply composer

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quick_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=30), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by'], ['agents.id'], name=op.f('fk_quick_replies_updated_by_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_replies')),
        sa.UniqueConstraint('title', name=op.f('uq_quick_replies_title')),
    )

def downgrade() -> None:
    op.drop_table('quick_replies')
