"""media: pictures customers and agents send, kept in bot.media.storage

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'media_files',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('channel', sa.String(length=40), nullable=False),
        sa.Column('sender', sa.String(length=10), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('thumbnail_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_media_files_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_files')),
    )
    op.create_index(op.f('ix_media_files_conversation_id'), 'media_files', ['conversation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_media_files_conversation_id'), table_name='media_files')
    op.drop_table('media_files')
