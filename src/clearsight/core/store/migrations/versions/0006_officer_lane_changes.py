"""An officer's change of an item's lane is a decision too (channel ``officer``): made by a person,
it has no score, probability, expected revenue or model, so those columns may be empty.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MODEL_COLUMNS = (
    ("score", sa.Float()),
    ("fraud_probability", sa.Float()),
    ("expected_revenue", sa.Float()),
    ("model_version", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        for name, kind in MODEL_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        for name, kind in MODEL_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
