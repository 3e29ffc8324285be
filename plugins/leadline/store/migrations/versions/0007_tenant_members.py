"""tenant members: dashboard access per Airflow user

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant_members',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=256), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'username'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )
    op.create_index('ix_tenant_members_user', 'tenant_members', ['username'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tenant_members_user', table_name='tenant_members')
    op.drop_table('tenant_members')
