"""Schema version 11: what a clinic files and bills beside the recordings: therapists, minutes
per billing code, signatures, goals, chart fields and a profile's default codes.

New tables only: no row changes. Therapists, signatures and goals carry a clinic-wide key (a
UUID as text) like the rows of version 9. A file of the OnBeat that made these tables by its
own hand-written migration (before this revision existed) has them without that key: they
keep their rows and get the key now (engine/store/migrations/runner.py,
LAST_VERSION_BEFORE_ALEMBIC).
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"

KEYED = ("therapists", "signatures", "goals")


def upgrade() -> None:
    if "therapists" in sa.inspect(op.get_bind()).get_table_names():
        _key_tables_made_before()
        return
    op.create_table(
        "therapists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("credentials", sa.Text, nullable=False),
        sa.Column("npi", sa.Text),
        sa.Column("discipline", sa.Text),
        sa.Column("pin_hash", sa.Text),
        sa.Column("added_at_utc", sa.Text, nullable=False),
        sa.Column("retired_at_utc", sa.Text),
        sa.Column("uuid", sa.Text),
    )
    op.create_table(
        "session_minutes",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("assigned_at_utc", sa.Text, nullable=False),
        sa.Column("active_seconds", sa.Float),
        sa.PrimaryKeyConstraint("session_id", "code"),
        sa.CheckConstraint("minutes >= 0", name="session_minutes_not_negative"),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("signed_at_utc", sa.Text, nullable=False),
        sa.Column("signed_json", sa.Text, nullable=False),
        sa.Column("uuid", sa.Text),
    )
    op.create_index("signatures_by_session", "signatures", ["session_id"])
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("metric", sa.Text),
        sa.Column("comparison", sa.Text),
        sa.Column("target_value", sa.Float),
        sa.Column("limbs", sa.Text, nullable=False),
        sa.Column("task_name", sa.Text),
        sa.Column("by_date", sa.Text),
        sa.Column("baseline_from", sa.Text, nullable=False),
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("therapists.id")),
        sa.Column("created_at_utc", sa.Text, nullable=False),
        sa.Column("closed_at_utc", sa.Text),
        sa.Column("closed_reason", sa.Text),
        sa.Column("uuid", sa.Text),
    )
    op.create_index("goals_by_profile", "goals", ["profile_id"])
    op.create_table(
        "chart_fields",
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("profiles.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("mrn", sa.Text),
        sa.Column("date_of_birth", sa.Text),
        sa.Column("diagnosis_codes", sa.Text, nullable=False),
        sa.Column("updated_at_utc", sa.Text, nullable=False),
    )
    op.create_table(
        "default_codes",
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "code"),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="default_code_percent"),
    )
    for table in KEYED:
        op.create_index(f"{table}_by_uuid", table, ["uuid"], unique=True)


def _key_tables_made_before() -> None:
    """The chart tables of a file that had them before this revision: each keyed row gets
    its clinic-wide key; nothing else changes."""
    connection = op.get_bind()
    for table in KEYED:
        op.add_column(table, sa.Column("uuid", sa.Text))
        ids = [row[0] for row in connection.exec_driver_sql(f"SELECT id FROM {table}")]
        if ids:
            connection.execute(
                sa.text(f"UPDATE {table} SET uuid = :uuid WHERE id = :id"),
                [{"uuid": str(uuid.uuid4()), "id": row_id} for row_id in ids],
            )
        op.create_index(f"{table}_by_uuid", table, ["uuid"], unique=True)
