"""call engagements: the id of the call logged in each CRM (HubSpot Calls object, Salesforce Task)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('call_records', sa.Column('hubspot_call_id', sa.String(length=64), nullable=True))
    op.add_column('call_records', sa.Column('salesforce_task_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('call_records', 'salesforce_task_id')
    op.drop_column('call_records', 'hubspot_call_id')
