"""Real-time decisions keep why the item is in its lane: selected by, random control, rules hit.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("selected_by", sa.String(8), nullable=False, server_default="none"))
        batch.add_column(sa.Column("random_control", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("rules_hit", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("rules_hit")
        batch.drop_column("random_control")
        batch.drop_column("selected_by")
