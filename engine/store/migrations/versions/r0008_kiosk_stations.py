"""Schema version 8: kiosk stations.

The therapist PIN's hash and other station settings, an audit log that the database itself
refuses to change, plans given to a profile, and which run and stop of its plan each session
was. Only new tables and columns: existing rows stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

# The store offers no way to change the log; these make the database itself refuse, so that
# a tool or a bug that reaches it directly cannot rewrite history.
_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows are never changed'); END""",
    """CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows are never deleted'); END""",
)
_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only: rows are never changed or deleted';
    END $$""",
    """CREATE TRIGGER audit_log_is_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "station_settings",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at_utc", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at_utc", sa.Text, nullable=False),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_TRIGGERS:
        op.execute(statement)
    op.add_column("session_plans", sa.Column("definition_json", sa.Text))
    op.add_column("session_plans", sa.Column("source_text", sa.Text))
    # One plan in force per profile; plans themselves are never deleted (sessions refer to
    # them), clearing a profile's plan removes only this row.
    op.create_table(
        "profile_plans",
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("profiles.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("session_plans.id"), nullable=False),
        sa.Column("assigned_at_utc", sa.Text, nullable=False),
    )
    op.add_column("sessions", sa.Column("plan_visit", sa.Integer))
    op.add_column("sessions", sa.Column("plan_stop", sa.Integer))
    op.create_index("sessions_by_plan", "sessions", ["plan_id", "plan_visit", "plan_stop"])
