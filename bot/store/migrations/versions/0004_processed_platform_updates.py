"""processed platform updates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_updates',
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'key', name=op.f('pk_processed_updates'))
    )


def downgrade() -> None:
    op.drop_table('processed_updates')
