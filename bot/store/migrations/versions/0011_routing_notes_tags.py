"""routing and notes: agents' status (online / busy / away) and limit; tags and internal notes on tickets

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('max_conversations', sa.Integer(), nullable=True))
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.String(length=400), nullable=True))
    op.create_table(
        'ticket_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_ticket_notes_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'],
                                name=op.f('fk_ticket_notes_ticket_id_handoff_tickets'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_notes')),
    )
    op.create_index(op.f('ix_ticket_notes_ticket_id'), 'ticket_notes', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_notes_ticket_id'), table_name='ticket_notes')
    op.drop_table('ticket_notes')
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_column('tags')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('max_conversations')
        batch_op.drop_column('status')
