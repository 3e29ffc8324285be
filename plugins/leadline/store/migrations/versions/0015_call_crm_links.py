"""call CRM links: a call's ids in a CRM the runbooks name no call_records columns for (Pipedrive first), so a new
CRM needs no migration of its own; tenant-isolated on PostgreSQL like the other per-call tables

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

IN_SCOPE = "current_setting('leadline.tenant_id', true) IN (tenant_id, '*')"


def upgrade() -> None:
    op.create_table('call_crm_links',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('crm_type', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('engagement_id', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'call_id', 'crm_type'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE call_crm_links ENABLE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE call_crm_links FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY tenant_isolation_crm_links ON call_crm_links USING ({IN_SCOPE}) '
                   f'WITH CHECK ({IN_SCOPE})')


def downgrade() -> None:
    op.drop_table('call_crm_links')
