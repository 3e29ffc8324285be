"""intake counts: requests by outcome and brute-force blocks, per tenant, minute and intake instance; a burst
limit per tenant

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_counts',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'window_start', 'event', 'instance_id')
    )
    op.create_index('ix_intake_counts_window', 'intake_counts', ['window_start'], unique=False)
    op.add_column('tenants', sa.Column('burst', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('tenants', 'burst')
    op.drop_index('ix_intake_counts_window', 'intake_counts')
    op.drop_table('intake_counts')
