"""conversation history: search keys on hand-off tickets, an index for listing closed ones by date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
import json

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_keys', sa.Text(), nullable=True))
        batch_op.create_index('ix_handoff_tickets_status_created_at', ['status', 'created_at'], unique=False)
    _keys_from_summaries()


def _keys_from_summaries() -> None:
    """Tickets opened before this revision: the identifiers their summary lists (phones there are masked, so
    these tickets are found by masked phone, not by a full one)."""
    tickets = sa.table('handoff_tickets', sa.column('id', sa.Integer), sa.column('summary', sa.Text),
                       sa.column('search_keys', sa.Text))
    connection = op.get_bind()
    for ticket_id, summary in connection.execute(sa.select(tickets.c.id, tickets.c.summary)).all():
        try:
            identifiers = json.loads(summary or "{}").get("identifiers") or {}
        except (ValueError, AttributeError):
            continue
        keys = sorted({str(value) for kind, values in identifiers.items() if kind != "phone" for value in values})
        if keys:
            connection.execute(tickets.update().where(tickets.c.id == ticket_id)
                               .values(search_keys=" " + " ".join(keys) + " "))


def downgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_tickets_status_created_at')
        batch_op.drop_column('search_keys')
