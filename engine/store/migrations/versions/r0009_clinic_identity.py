"""Schema version 9: keys that stay unique when the stations of a clinic meet on its server.

Sessions, profiles, notes, plans and audit rows get a UUID (text, as SQLite has no UUID
type), made by the station that wrote the row; a clinic's server keeps the rows of every
station under their UUIDs, so that a sync can tell what it has from what it lacks. Rows
stored before get theirs now. Sessions and audit rows already name their station.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

TABLES = ("profiles", "sessions", "notes", "session_plans", "audit_log")


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column("uuid", sa.Text))
        ids = [row[0] for row in connection.exec_driver_sql(f"SELECT id FROM {table}")]
        if ids and table == "audit_log":
            _key_audit_rows(connection, ids)
        elif ids:
            connection.execute(
                sa.text(f"UPDATE {table} SET uuid = :uuid WHERE id = :id"),
                [{"uuid": str(uuid.uuid4()), "id": row_id} for row_id in ids],
            )
        op.create_index(f"{table}_by_uuid", table, ["uuid"], unique=True)


def _key_audit_rows(connection: sa.Connection, ids: list[int]) -> None:
    """The audit log refuses UPDATE (it is append-only): its rows get their keys with the
    guard lifted for this one statement, inside the upgrade's transaction. Only SQLite files
    can hold rows from before (a server is made by this OnBeat or later)."""
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' "
        "AND name LIKE '%update'"
    ).fetchall()
    for name, _ in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    connection.execute(
        sa.text("UPDATE audit_log SET uuid = :uuid WHERE id = :id"),
        [{"uuid": str(uuid.uuid4()), "id": row_id} for row_id in ids],
    )
    for _, sql in triggers:
        connection.exec_driver_sql(sql)
