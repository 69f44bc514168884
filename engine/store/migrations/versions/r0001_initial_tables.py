"""Schema version 1: profiles, sessions, tasks, beats and taps.

No CHECK on judgement or stamp_source: their lists grow with the code, and changing a CHECK
in SQLite means rebuilding the table. They are validated on the way in instead.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

_TASK_KEY = ["tasks.session_id", "tasks.task_index"]


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        # Unique until version 4, which lets two children share a name.
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("created_at_utc", sa.Text, nullable=False),
        sa.UniqueConstraint("display_name", name="profiles_display_name_key"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("level_id", sa.Text, nullable=False),
        sa.Column("level_title", sa.Text, nullable=False),
        sa.Column("level_path", sa.Text, nullable=False),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("sample_rate_hz", sa.Integer, nullable=False),
        sa.Column("input_offset_ms", sa.Float, nullable=False),
        sa.Column("output_latency_ms", sa.Float, nullable=False),
        sa.Column("started_at_utc", sa.Text, nullable=False),
        sa.Column("ended_at_utc", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'incomplete')", name="session_status"
        ),
    )
    op.create_index("sessions_by_profile", "sessions", ["profile_id", "started_at_utc"])
    op.create_table(
        "tasks",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("task_index", sa.Integer, nullable=False),
        sa.Column("task_name", sa.Text, nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
        sa.Column("tempo_bpm", sa.Float, nullable=False),
        sa.Column("start_frame", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "task_index"),
    )
    op.create_table(
        "beats",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("task_index", sa.Integer, nullable=False),
        sa.Column("beat_index", sa.Integer, nullable=False),
        sa.Column("limb", sa.Text, nullable=False),
        sa.Column("target_frame", sa.BigInteger, nullable=False),
        sa.Column("scored", sa.Boolean(create_constraint=True, name="beat_scored"), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "task_index", "beat_index"),
        sa.ForeignKeyConstraint(["session_id", "task_index"], _TASK_KEY),
    )
    # A NULL beat_index (unpaired tap) leaves the beats key unchecked, in both databases.
    op.create_table(
        "taps",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("task_index", sa.Integer, nullable=False),
        sa.Column("tap_index", sa.Integer, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("host_ns", sa.BigInteger, nullable=False),
        sa.Column("stamp_source", sa.Text, nullable=False),
        sa.Column("audio_frame", sa.BigInteger, nullable=False),
        sa.Column("audio_time_s", sa.Float, nullable=False),
        sa.Column("beat_index", sa.Integer),
        sa.Column("asynchrony_ms", sa.Float),
        sa.Column("judgement", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "task_index", "tap_index"),
        sa.ForeignKeyConstraint(["session_id", "task_index"], _TASK_KEY),
        sa.ForeignKeyConstraint(
            ["session_id", "task_index", "beat_index"],
            ["beats.session_id", "beats.task_index", "beats.beat_index"],
        ),
    )
    # Metrics join each beat with its tap (missed beats); also backs the foreign key above.
    op.create_index("taps_by_beat", "taps", ["session_id", "task_index", "beat_index"])
