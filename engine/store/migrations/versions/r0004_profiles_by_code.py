"""Schema version 4: a profile is its code; two children may share a display name.

``archived_at_utc``: NULL while the profile is in use; archived profiles keep their data but
leave the child's list. SQLite cannot drop a UNIQUE constraint, so there the table is rebuilt
(https://sqlite.org/lang_altertable.html, "other kinds of table schema changes") with every
row and id kept; the tables that refer to profiles by id need no change. The migration runs
with SQLite's foreign keys off (engine/store/migrations/runner.py), so the rows that refer to
profiles are checked before the commit. PostgreSQL drops the constraint.
"""

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_SQLITE_REBUILD = (
    """CREATE TABLE profiles_by_code (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        created_at_utc TEXT NOT NULL,
        birth_year INTEGER,
        avatar TEXT,
        archived_at_utc TEXT
    )""",
    "INSERT INTO profiles_by_code (id, code, display_name, created_at_utc, birth_year, "
    "avatar) SELECT id, code, display_name, created_at_utc, birth_year, avatar FROM profiles",
    "DROP TABLE profiles",
    "ALTER TABLE profiles_by_code RENAME TO profiles",
)


def _check_references_to_profiles(connection: sa.Connection) -> None:
    """Fail (and so roll back) if a row of a table that refers to profiles points at nothing.
    Only those tables are read; the taps of a clinic are not."""
    tables = [
        name
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'profiles'"
        )
    ]
    for table in tables:
        keys = connection.exec_driver_sql(f"PRAGMA foreign_key_list({table})").fetchall()
        if "profiles" not in {key[2] for key in keys}:
            continue
        broken = connection.exec_driver_sql(f"PRAGMA foreign_key_check({table})").fetchmany(3)
        if broken:
            rows = ", ".join(f"row {rowid} -> {to}" for _, rowid, to, _ in broken)
            raise sqlite3.IntegrityError(f"{table} would refer to nothing ({rows})")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_REBUILD:
            op.execute(statement)
        _check_references_to_profiles(connection)
    else:
        op.drop_constraint("profiles_display_name_key", "profiles", type_="unique")
        op.add_column("profiles", sa.Column("archived_at_utc", sa.Text))
    # The child's list and `--profile NAME` look up active profiles by name.
    op.create_index("profiles_by_name", "profiles", ["display_name", "archived_at_utc"])
