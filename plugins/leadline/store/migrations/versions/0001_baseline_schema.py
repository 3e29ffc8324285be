"""baseline schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None



def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('webhook_secret_ref', sa.String(length=512), nullable=False),
    sa.Column('lead_scoring_threshold', sa.Integer(), nullable=False),
    sa.Column('primary_crm', sa.String(length=16), nullable=True),
    sa.Column('secondary_crm', sa.String(length=16), nullable=True),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('requests_per_minute', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id')
    )

    op.create_table('processing_requests',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('processing_time_ms', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'request_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_processing_requests_call', 'processing_requests', ['tenant_id', 'call_id'], unique=True)
    op.create_index('ix_processing_requests_status', 'processing_requests', ['tenant_id', 'status', 'created_at'], unique=False)

    op.create_table('call_records',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('resource_id', sa.String(length=128), nullable=True),
    sa.Column('caller_phone', sa.String(length=32), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recording_url', sa.Text(), nullable=True),
    sa.Column('recording_path', sa.Text(), nullable=True),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('transcript_confidence', sa.Float(), nullable=True),
    sa.Column('ai_analysis', sa.JSON(), nullable=True),
    sa.Column('lead_score', sa.Integer(), nullable=True),
    sa.Column('lead_status', sa.String(length=16), nullable=True),
    sa.Column('customer_name', sa.String(length=256), nullable=True),
    sa.Column('customer_phone', sa.String(length=32), nullable=True),
    sa.Column('customer_email', sa.String(length=320), nullable=True),
    sa.Column('hubspot_contact_id', sa.String(length=64), nullable=True),
    sa.Column('salesforce_lead_id', sa.String(length=64), nullable=True),
    sa.Column('raw_payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'call_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_call_records_created', 'call_records', ['tenant_id', 'created_at'], unique=False)

    op.create_table('crm_integrations',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('crm_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.String(length=250), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'crm_type'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )

    op.create_table('alerts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('alert_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('dedupe_key', sa.String(length=256), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'alert_id')
    )
    op.create_index('ix_alerts_open', 'alerts', ['tenant_id', 'dedupe_key', 'status'], unique=False)

    op.create_table('etl_runs',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('source_system', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_processed', sa.BigInteger(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'run_id')
    )
    op.create_index('ix_etl_runs_source', 'etl_runs', ['tenant_id', 'source_system', 'started_at'], unique=False)


def downgrade() -> None:
    op.drop_table('etl_runs')
    op.drop_table('alerts')
    op.drop_table('crm_integrations')
    op.drop_table('call_records')
    op.drop_table('processing_requests')
    op.drop_table('tenants')
