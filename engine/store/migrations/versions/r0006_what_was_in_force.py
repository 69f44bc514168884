"""Schema version 6: what was in force for each target and tap.

Per target the tempo, step interval and windows in force; per tap the windows it was judged
with; each task's start tempo (renamed: it was the only one) and end tempo; the tempo a
child's last session of an adaptive level ended at. Sessions stored before are filled in from
what they stored (engine/store/migrations/in_force_upgrade.py); what could not be recovered
is said in migration_notes. Only SQLite files can hold such sessions: a clinic's server was
first made by a later OnBeat.
"""

import sqlalchemy as sa
from alembic import op

from engine.store.migrations.in_force_upgrade import fill_what_was_in_force

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    for table, column in (
        ("beats", "tempo_bpm"),
        ("beats", "ioi_ms"),
        ("beats", "sro_ms"),
        ("beats", "good_ms"),
        ("beats", "ok_ms"),
        ("taps", "sro_ms"),
        ("taps", "good_ms"),
        ("taps", "ok_ms"),
    ):
        op.add_column(table, sa.Column(column, sa.Float))
    # Portable SQL: Alembic renames a column in SQLite only by rebuilding the table.
    op.execute("ALTER TABLE tasks RENAME COLUMN tempo_bpm TO tempo_bpm_start")
    op.add_column("tasks", sa.Column("tempo_bpm_end", sa.Float))
    op.add_column("adaptive_positions", sa.Column("tempo_bpm", sa.Float))
    op.create_table(
        "migration_notes",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("task_index", sa.Integer),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("migration_notes_by_session", "migration_notes", ["session_id"])
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        fill_what_was_in_force(connection.connection.driver_connection)
