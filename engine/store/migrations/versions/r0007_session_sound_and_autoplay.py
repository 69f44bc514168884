"""Schema version 7: where each session's sound went, and whether the program played it.

Rows from before read NULL ("not recorded") and false (played by a child, as they all were).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("sessions", sa.Column("audio_device", sa.Text))
    if op.get_bind().dialect.name == "sqlite":
        # Alembic cannot add a column with its CHECK to an SQLite table; SQLite can.
        op.execute(
            "ALTER TABLE sessions ADD COLUMN autoplayed INTEGER NOT NULL DEFAULT 0 "
            "CHECK (autoplayed IN (0, 1))"
        )
    else:
        op.add_column(
            "sessions",
            sa.Column("autoplayed", sa.Boolean, nullable=False, server_default=sa.false()),
        )
