"""Schema version 5: which process records each session (engine/store/owners.py).

So that a session left 'running' by a crash can be told from one another process is
recording right now. A table of its own: the sessions table stays as it is, and sessions of
an older OnBeat simply have no owner. Kept after the session ends, as a record of where it
was played.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "session_owners",
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("process_started", sa.Text, nullable=False),
    )
