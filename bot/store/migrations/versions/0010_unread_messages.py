"""agents' alerts: customer messages counted on hand-off tickets, how many the agent read, the latest as preview

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_messages', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('read_messages', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_customer_text', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('last_customer_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_column('last_customer_at')
        batch_op.drop_column('last_customer_text')
        batch_op.drop_column('read_messages')
        batch_op.drop_column('customer_messages')
