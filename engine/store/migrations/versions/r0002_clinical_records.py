"""Schema version 2: profile details, session plans, adaptation steps, notes, progress sums.

Only new columns and tables: existing rows stay as they are, new columns start NULL ("not
recorded by the OnBeat that wrote this row"), which reports show as such.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_TASK_KEY = ["tasks.session_id", "tasks.task_index"]


def upgrade() -> None:
    op.add_column("profiles", sa.Column("birth_year", sa.Integer))
    op.add_column("profiles", sa.Column("avatar", sa.Text))
    op.create_table(
        "session_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("steps_json", sa.Text, nullable=False),
        sa.Column("planned_minutes", sa.Float),
        sa.Column("created_at_utc", sa.Text, nullable=False),
    )
    op.create_index("session_plans_by_profile", "session_plans", ["profile_id"])
    # Portable SQL: Alembic adds a column with a foreign key in SQLite only by rebuilding the
    # table, which SQLite itself does not need.
    op.execute("ALTER TABLE sessions ADD COLUMN plan_id INTEGER REFERENCES session_plans (id)")
    op.add_column("sessions", sa.Column("calibration_json", sa.Text))
    op.create_table(
        "adaptation_steps",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("task_index", sa.Integer, nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("audio_frame", sa.BigInteger, nullable=False),
        sa.Column("rung", sa.Integer, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("tempo_bpm", sa.Float),
        sa.Column("window_ms", sa.Float),
        sa.Column("visual_cue", sa.Text),
        sa.Column("success_rate", sa.Float),
        sa.PrimaryKeyConstraint("session_id", "task_index", "step_index"),
        sa.ForeignKeyConstraint(["session_id", "task_index"], _TASK_KEY),
        sa.CheckConstraint("direction IN ('up', 'down')", name="adaptation_direction"),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id")),
        sa.Column("written_at_utc", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("notes_by_session", "notes", ["session_id", "written_at_utc"])
    op.create_index("notes_by_profile", "notes", ["profile_id", "written_at_utc"])
    # Sums from which progress metrics follow without reading every tap again (a clinic holds
    # millions). Derived data, recomputed when sessions.limb_stats_version is not the current
    # metrics version (NULL: never computed).
    op.add_column("sessions", sa.Column("limb_stats_version", sa.Integer))
    op.create_table(
        "task_limb_stats",
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("task_index", sa.Integer, nullable=False),
        sa.Column("limb", sa.Text, nullable=False),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("beats", "paired_taps", "sro_taps", "hits", "early_taps", "late_taps")
        ),
        *(
            sa.Column(name, sa.Float, nullable=False)
            for name in (
                "sum_abs_asynchrony_ms",
                "sum_asynchrony_ms",
                "sum_squared_asynchrony_ms2",
                "sum_cos_phase",
                "sum_sin_phase",
            )
        ),
        sa.PrimaryKeyConstraint("session_id", "task_index", "limb"),
        sa.ForeignKeyConstraint(["session_id", "task_index"], _TASK_KEY),
    )
