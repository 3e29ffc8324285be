"""health snapshots and retention purge marker

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_snapshots",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.String(length=36), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "snapshot_id"),
    )
    op.create_index("ix_health_snapshots_taken", "health_snapshots", ["tenant_id", "taken_at"], unique=False)
    op.add_column("call_records", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("call_records", "purged_at")
    op.drop_index("ix_health_snapshots_taken", "health_snapshots")
    op.drop_table("health_snapshots")
