"""contact reviews: the review queue for contact values the pipeline was unsure of (call_records.review_status)
and the decisions ops made on them

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('call_records', sa.Column('review_status', sa.String(length=16), nullable=True))
    op.create_index('ix_call_records_review', 'call_records', ['tenant_id', 'review_status', 'created_at'],
                    unique=False)
    op.create_table('contact_reviews',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('heard_value', sa.String(length=320), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('previous_value', sa.String(length=320), nullable=True),
    sa.Column('final_value', sa.String(length=320), nullable=True),
    sa.Column('heard_words', sa.Text(), nullable=True),
    sa.Column('reviewer', sa.String(length=256), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'call_id', 'field', 'reviewed_at'),
    spanner_interleave_in='tenants',
    spanner_interleave_on_delete_cascade=True
    )


def downgrade() -> None:
    op.drop_table('contact_reviews')
    op.drop_index('ix_call_records_review', table_name='call_records')
    op.drop_column('call_records', 'review_status')
