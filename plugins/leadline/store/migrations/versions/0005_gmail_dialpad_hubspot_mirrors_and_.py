"""gmail dialpad hubspot mirrors and embeddings

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from leadline.store.migrate import view_ddl

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# v_unmatched_emails now also lists email participants that matched no Salesforce contact (runbook 004).
UNMATCHED_EMAILS_VIEW = """
CREATE VIEW v_unmatched_emails AS
SELECT c.tenant_id, c.customer_email AS email, 'call' AS source, COUNT(*) AS occurrences, MAX(c.created_at) AS last_seen
FROM call_records c
LEFT JOIN entity_matches m
  ON m.tenant_id = c.tenant_id AND m.source_type = 'call' AND m.source_id = c.call_id
WHERE c.customer_email IS NOT NULL AND m.contact_id IS NULL
GROUP BY c.tenant_id, c.customer_email
UNION ALL
SELECT p.tenant_id, p.email, 'gmail' AS source, COUNT(*) AS occurrences, MAX(p.ingested_at) AS last_seen
FROM gmail_participants p
WHERE p.sf_contact_id IS NULL
GROUP BY p.tenant_id, p.email
"""


def upgrade() -> None:
    op.execute("DROP VIEW v_unmatched_emails")
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
    op.execute(view_ddl(op.get_bind(), UNMATCHED_EMAILS_VIEW))


def downgrade() -> None:
    op.execute("DROP VIEW v_unmatched_emails")
    op.drop_column('call_records', 'transcript_embedding')
    op.drop_table('hubspot_contacts')
    op.drop_table('gmail_participants')
    op.drop_index('ix_gmail_messages_sent', 'gmail_messages')
    op.drop_table('gmail_messages')
    op.drop_index('ix_dialpad_calls_time', 'dialpad_calls')
    op.drop_table('dialpad_calls')
