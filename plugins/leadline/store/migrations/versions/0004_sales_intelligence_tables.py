"""sales intelligence tables

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from leadline.store.migrate import view_ddl

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Caller emails that entity resolution could not tie to a CRM contact (runbook 004: v_unmatched_emails).
UNMATCHED_EMAILS_VIEW = """
CREATE VIEW v_unmatched_emails AS
SELECT c.tenant_id, c.customer_email AS email, COUNT(*) AS calls, MAX(c.created_at) AS last_seen
FROM call_records c
LEFT JOIN entity_matches m
  ON m.tenant_id = c.tenant_id AND m.source_type = 'call' AND m.source_id = c.call_id
WHERE c.customer_email IS NOT NULL AND m.contact_id IS NULL
GROUP BY c.tenant_id, c.customer_email
"""


def upgrade() -> None:
    op.create_table('account_recommendations',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('score_date', sa.String(length=10), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('priority_score', sa.Float(), nullable=False),
    sa.Column('budget_likelihood', sa.Float(), nullable=False),
    sa.Column('engagement_score', sa.Float(), nullable=False),
    sa.Column('recommended_action', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'score_date', 'account_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_account_recommendations_priority', 'account_recommendations', ['tenant_id', 'score_date', 'priority_score'], unique=False)
    op.create_table('entity_matches',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=128), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=True),
    sa.Column('account_id', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'source_type', 'source_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_table('manual_mappings',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('identity', sa.String(length=320), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'identity'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_table('sf_accounts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('website', sa.String(length=255), nullable=True),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('industry', sa.String(length=120), nullable=True),
    sa.Column('system_modstamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'account_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_sf_accounts_domain', 'sf_accounts', ['tenant_id', 'domain'], unique=False)
    op.create_table('sf_contacts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=True),
    sa.Column('first_name', sa.String(length=120), nullable=True),
    sa.Column('last_name', sa.String(length=120), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email_normalized', sa.String(length=320), nullable=True),
    sa.Column('phone_e164', sa.String(length=20), nullable=True),
    sa.Column('system_modstamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'contact_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_sf_contacts_email', 'sf_contacts', ['tenant_id', 'email_normalized'], unique=False)
    op.create_index('ix_sf_contacts_phone', 'sf_contacts', ['tenant_id', 'phone_e164'], unique=False)
    op.create_table('sf_opportunities',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('opportunity_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('stage_name', sa.String(length=80), nullable=True),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('is_closed', sa.Boolean(), nullable=True),
    sa.Column('close_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('system_modstamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'opportunity_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.execute(view_ddl(op.get_bind(), UNMATCHED_EMAILS_VIEW))


def downgrade() -> None:
    op.execute("DROP VIEW v_unmatched_emails")
    op.drop_table('sf_opportunities')
    op.drop_index('ix_sf_contacts_phone', 'sf_contacts')
    op.drop_index('ix_sf_contacts_email', 'sf_contacts')
    op.drop_table('sf_contacts')
    op.drop_index('ix_sf_accounts_domain', 'sf_accounts')
    op.drop_table('sf_accounts')
    op.drop_table('manual_mappings')
    op.drop_table('entity_matches')
    op.drop_index('ix_account_recommendations_priority', 'account_recommendations')
    op.drop_table('account_recommendations')
