"""messages left: a call-back status, note and caller on hand-off tickets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('callback_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('called_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('called_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handoff_tickets_called_by_agents'), 'agents', ['called_by'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_handoff_tickets_callback_status'), "callback_status IN ('to_call', 'called')")
    # messages left before this revision wait for a call back
    op.execute("UPDATE handoff_tickets SET callback_status = 'to_call' WHERE leave_message = 1 AND status = 'waiting'")


def downgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_handoff_tickets_callback_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_handoff_tickets_called_by_agents'), type_='foreignkey')
        batch_op.drop_column('called_by')
        batch_op.drop_column('called_at')
        batch_op.drop_column('callback_note')
        batch_op.drop_column('callback_status')
