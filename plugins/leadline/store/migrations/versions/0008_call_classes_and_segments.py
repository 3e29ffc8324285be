"""call classes and transcript segments: the recogniser's timed, speaker-labelled segments and language;
the analysis's call class with a readable reason (filtered on by the dashboard)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('call_records', sa.Column('transcript_segments', sa.JSON(), nullable=True))
    op.add_column('call_records', sa.Column('transcript_language', sa.String(length=16), nullable=True))
    op.add_column('call_records', sa.Column('call_class', sa.String(length=32), nullable=True))
    op.add_column('call_records', sa.Column('call_class_reason', sa.String(length=500), nullable=True))
    op.create_index('ix_call_records_class', 'call_records', ['tenant_id', 'call_class', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_records_class', table_name='call_records')
    op.drop_column('call_records', 'call_class_reason')
    op.drop_column('call_records', 'call_class')
    op.drop_column('call_records', 'transcript_language')
    op.drop_column('call_records', 'transcript_segments')
