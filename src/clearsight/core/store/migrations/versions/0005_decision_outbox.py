"""Real-time decisions carry the columns of the warehouse's ``selections`` (the one store of lane
decisions): the app store's ``decisions`` table is their outbox until they are moved there.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("selection_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False, server_default="realtime"))
        batch.add_column(sa.Column("office_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lodged_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("exploration", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("moved_at", sa.DateTime, nullable=True))
        batch.create_index("ix_decisions_moved_at", ["moved_at"])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_moved_at")
        for name in ("moved_at", "exploration", "lodged_at", "office_id", "channel", "selection_id"):
            batch.drop_column(name)
