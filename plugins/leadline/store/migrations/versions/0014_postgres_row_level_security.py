"""row-level security on PostgreSQL: the deployment guide's tenant isolation policies

Every transaction the store API opens names its tenant scope in `leadline.tenant_id` (store/tenant_scope.py):
one tenant, or `*` for the cross-tenant work (intake batches, schedules, maintenance). A statement that forgets
its tenant filter then still sees and changes only its tenant's rows, and a session that sets nothing (a tool
connected as the store's role) sees none. FORCE applies the policies to the tables' owner too; superusers and
BYPASSRLS roles skip them, so the store must log in as neither. Spanner has no row-level security in GoogleSQL
DML (the store API is the wall there); SQLite has none.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# the deployment guide's four (tenants, processing_requests, call_records, crm_integrations) and the review
# queue, which holds the words the recogniser heard
POLICIES = {
    'tenants': 'tenant_isolation_tenants',
    'processing_requests': 'tenant_isolation_requests',
    'call_records': 'tenant_isolation_calls',
    'crm_integrations': 'tenant_isolation_crm',
    'contact_reviews': 'tenant_isolation_reviews',
}
IN_SCOPE = "current_setting('leadline.tenant_id', true) IN (tenant_id, '*')"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, policy in POLICIES.items():
        op.execute(f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE {table} FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {policy} ON {table} USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, policy in POLICIES.items():
        op.execute(f'DROP POLICY {policy} ON {table}')
        op.execute(f'ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE {table} DISABLE ROW LEVEL SECURITY')
