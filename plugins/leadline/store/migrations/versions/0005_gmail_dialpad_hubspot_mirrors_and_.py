"""gmail dialpad hubspot mirrors and embeddings

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dialpad_calls',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('call_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('embedding', sa.JSON(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'call_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_dialpad_calls_time', 'dialpad_calls', ['tenant_id', 'call_time'], unique=False)
    op.create_table('gmail_messages',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('mailbox', sa.String(length=320), nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('snippet', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('embedding', sa.JSON(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'message_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_gmail_messages_sent', 'gmail_messages', ['tenant_id', 'sent_at'], unique=False)
    op.create_table('gmail_participants',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('sf_contact_id', sa.String(length=32), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'message_id', 'email', 'role'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_table('hubspot_contacts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('first_name', sa.String(length=120), nullable=True),
    sa.Column('last_name', sa.String(length=120), nullable=True),
    sa.Column('company', sa.String(length=255), nullable=True),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'contact_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.add_column('call_records', sa.Column('transcript_embedding', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('call_records', 'transcript_embedding')
    op.drop_table('hubspot_contacts')
    op.drop_table('gmail_participants')
    op.drop_index('ix_gmail_messages_sent', 'gmail_messages')
    op.drop_table('gmail_messages')
    op.drop_index('ix_dialpad_calls_time', 'dialpad_calls')
    op.drop_table('dialpad_calls')
