"""Schema version 3: each child's place on the staircase of each adaptive level.

One row per child and level, overwritten after each session: the next session of that level
starts from it (engine/session/adaptation.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "adaptive_positions",
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("level_id", sa.Text, nullable=False),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("updated_at_utc", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "level_id"),
    )
