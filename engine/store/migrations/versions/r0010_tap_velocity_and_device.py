"""Schema version 10: how hard each tap was (MIDI note velocity) and which device it came from.

Taps from before read NULL: not recorded. A file of the OnBeat that added these columns by
its own hand-written migration (before this revision existed) has them already and keeps them
(engine/store/migrations/runner.py, LAST_VERSION_BEFORE_ALEMBIC).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    have = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("taps")}
    for column in (sa.Column("velocity", sa.Integer), sa.Column("device", sa.Text)):
        if column.name not in have:
            op.add_column("taps", column)
