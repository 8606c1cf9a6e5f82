"""failed attempts (verification and log-in limits), server secrets, handled platform updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('failed_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempts'))
    )
    op.create_index('ix_failed_attempts_created_at', 'failed_attempts', ['created_at'], unique=False)
    op.create_index('ix_failed_attempts_scope_key', 'failed_attempts', ['scope', 'key', 'created_at'], unique=False)
    with op.batch_alter_table('processed_updates') as batch_op:
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE processed_updates SET handled_at = created_at")
    op.create_table('server_secrets',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_server_secrets'))
    )


def downgrade() -> None:
    with op.batch_alter_table('processed_updates') as batch_op:
        batch_op.drop_column('handled_at')
    op.drop_table('server_secrets')
    op.drop_index('ix_failed_attempts_scope_key', table_name='failed_attempts')
    op.drop_index('ix_failed_attempts_created_at', table_name='failed_attempts')
    op.drop_table('failed_attempts')
