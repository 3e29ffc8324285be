"""privacy erasures: the record of each erasure of one person's data (who, when, phone or email, counts, CRM
records to delete), without the person's identifiers

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('privacy_erasures',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('erasure_id', sa.String(length=36), nullable=False),
    sa.Column('requested_by', sa.String(length=256), nullable=False),
    sa.Column('identifier_kind', sa.String(length=8), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('crm_records', sa.JSON(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'erasure_id'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )


def downgrade() -> None:
    op.drop_table('privacy_erasures')
