"""The hand-written SQLite migrations of the releases before Alembic, as they shipped:
``MIGRATIONS[n]`` took a database from version n to n + 1 and ``migrate`` applied the ones a
file lacked, keeping the version in ``schema_version``. The tests keep them to make real files
of every older version (tests/records_factory.make_database_of_schema), which the store must
upgrade in place (engine/store/migrations/). History: never edit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from engine.store.migrations.in_force_upgrade import fill_what_was_in_force


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _migration_1_initial_tables(connection: sqlite3.Connection) -> None:
    # No CHECK on judgement or stamp_source: their lists grow with the code, and changing a
    # CHECK in SQLite means rebuilding the table. They are validated on the way in instead.
    statements = (
        """CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL UNIQUE,
            created_at_utc TEXT NOT NULL
        )""",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            profile_id INTEGER NOT NULL REFERENCES profiles (id),
            level_id TEXT NOT NULL,
            level_title TEXT NOT NULL,
            level_path TEXT NOT NULL,
            station TEXT NOT NULL,
            sample_rate_hz INTEGER NOT NULL,
            input_offset_ms REAL NOT NULL,
            output_latency_ms REAL NOT NULL,
            started_at_utc TEXT NOT NULL,
            ended_at_utc TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete'))
        )""",
        "CREATE INDEX sessions_by_profile ON sessions (profile_id, started_at_utc)",
        """CREATE TABLE tasks (
            session_id INTEGER NOT NULL REFERENCES sessions (id),
            task_index INTEGER NOT NULL,
            task_name TEXT NOT NULL,
            settings_json TEXT NOT NULL,
            tempo_bpm REAL NOT NULL,
            start_frame INTEGER NOT NULL,
            PRIMARY KEY (session_id, task_index)
        )""",
        """CREATE TABLE beats (
            session_id INTEGER NOT NULL,
            task_index INTEGER NOT NULL,
            beat_index INTEGER NOT NULL,
            limb TEXT NOT NULL,
            target_frame INTEGER NOT NULL,
            scored INTEGER NOT NULL CHECK (scored IN (0, 1)),
            PRIMARY KEY (session_id, task_index, beat_index),
            FOREIGN KEY (session_id, task_index) REFERENCES tasks (session_id, task_index)
        )""",
        # A NULL beat_index (unpaired tap) leaves the beats key unchecked, as in PostgreSQL.
        """CREATE TABLE taps (
            session_id INTEGER NOT NULL,
            task_index INTEGER NOT NULL,
            tap_index INTEGER NOT NULL,
            channel TEXT NOT NULL,
            host_ns INTEGER NOT NULL,
            stamp_source TEXT NOT NULL,
            audio_frame INTEGER NOT NULL,
            audio_time_s REAL NOT NULL,
            beat_index INTEGER,
            asynchrony_ms REAL,
            judgement TEXT NOT NULL,
            PRIMARY KEY (session_id, task_index, tap_index),
            FOREIGN KEY (session_id, task_index) REFERENCES tasks (session_id, task_index),
            FOREIGN KEY (session_id, task_index, beat_index)
                REFERENCES beats (session_id, task_index, beat_index)
        )""",
        # Metrics join each beat with its tap (missed beats); also backs the foreign key above.
        "CREATE INDEX taps_by_beat ON taps (session_id, task_index, beat_index)",
    )
    for statement in statements:
        connection.execute(statement)


def _migration_2_clinical_records(connection: sqlite3.Connection) -> None:
    # Only ADD COLUMN and new tables: existing rows stay as they are, new columns start NULL
    # ("not recorded by the OnBeat that wrote this row"), which reports show as such.
    statements = (
        "ALTER TABLE profiles ADD COLUMN birth_year INTEGER",
        "ALTER TABLE profiles ADD COLUMN avatar TEXT",
        """CREATE TABLE session_plans (
            id INTEGER PRIMARY KEY,
            profile_id INTEGER REFERENCES profiles (id),
            title TEXT NOT NULL,
            steps_json TEXT NOT NULL,
            planned_minutes REAL,
            created_at_utc TEXT NOT NULL
        )""",
        "CREATE INDEX session_plans_by_profile ON session_plans (profile_id)",
        "ALTER TABLE sessions ADD COLUMN plan_id INTEGER REFERENCES session_plans (id)",
        "ALTER TABLE sessions ADD COLUMN calibration_json TEXT",
        """CREATE TABLE adaptation_steps (
            session_id INTEGER NOT NULL,
            task_index INTEGER NOT NULL,
            step_index INTEGER NOT NULL,
            audio_frame INTEGER NOT NULL,
            rung INTEGER NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
            tempo_bpm REAL,
            window_ms REAL,
            visual_cue TEXT,
            success_rate REAL,
            PRIMARY KEY (session_id, task_index, step_index),
            FOREIGN KEY (session_id, task_index) REFERENCES tasks (session_id, task_index)
        )""",
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            profile_id INTEGER NOT NULL REFERENCES profiles (id),
            session_id INTEGER REFERENCES sessions (id),
            written_at_utc TEXT NOT NULL,
            author TEXT NOT NULL,
            body TEXT NOT NULL
        )""",
        "CREATE INDEX notes_by_session ON notes (session_id, written_at_utc)",
        "CREATE INDEX notes_by_profile ON notes (profile_id, written_at_utc)",
        # Sums from which progress metrics follow without reading every tap again (a clinic
        # holds millions). Derived data, recomputed when sessions.limb_stats_version is not
        # the current metrics version (NULL: never computed).
        "ALTER TABLE sessions ADD COLUMN limb_stats_version INTEGER",
        """CREATE TABLE task_limb_stats (
            session_id INTEGER NOT NULL,
            task_index INTEGER NOT NULL,
            limb TEXT NOT NULL,
            beats INTEGER NOT NULL,
            paired_taps INTEGER NOT NULL,
            sro_taps INTEGER NOT NULL,
            hits INTEGER NOT NULL,
            early_taps INTEGER NOT NULL,
            late_taps INTEGER NOT NULL,
            sum_abs_asynchrony_ms REAL NOT NULL,
            sum_asynchrony_ms REAL NOT NULL,
            sum_squared_asynchrony_ms2 REAL NOT NULL,
            sum_cos_phase REAL NOT NULL,
            sum_sin_phase REAL NOT NULL,
            PRIMARY KEY (session_id, task_index, limb),
            FOREIGN KEY (session_id, task_index) REFERENCES tasks (session_id, task_index)
        )""",
    )
    for statement in statements:
        connection.execute(statement)


def _migration_3_adaptive_positions(connection: sqlite3.Connection) -> None:
    # One row per child and level, overwritten after each session: the next session of that
    # level starts from it (engine/session/adaptation.py).
    connection.execute(
        """CREATE TABLE adaptive_positions (
            profile_id INTEGER NOT NULL REFERENCES profiles (id),
            level_id TEXT NOT NULL,
            position REAL NOT NULL,
            updated_at_utc TEXT NOT NULL,
            PRIMARY KEY (profile_id, level_id)
        )"""
    )


def _migration_4_profiles_by_code(connection: sqlite3.Connection) -> None:
    # Two children may share a display name: a profile is its code. SQLite cannot drop a
    # UNIQUE constraint, so the table is rebuilt (https://sqlite.org/lang_altertable.html,
    # "other kinds of table schema changes") with every row and id kept; the tables that refer
    # to profiles by id need no change. migrate() runs this with foreign keys off; the rows
    # that refer to profiles are checked before the commit. archived_at_utc: NULL while the
    # profile is in use; archived profiles keep their data but leave the child's list.
    statements = (
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
        # The child's list and `--profile NAME` look up active profiles by name.
        "CREATE INDEX profiles_by_name ON profiles (display_name, archived_at_utc)",
    )
    for statement in statements:
        connection.execute(statement)
    _check_references_to(connection, "profiles")


def _migration_5_session_owners(connection: sqlite3.Connection) -> None:
    # Which process records each session (engine/store/owners.py), so that a session left
    # 'running' by a crash can be told from one another process is recording right now. A
    # table of its own: the sessions table stays as it is, and sessions of an older OnBeat
    # simply have no owner. Kept after the session ends, as a record of where it was played.
    connection.execute(
        """CREATE TABLE session_owners (
            session_id INTEGER PRIMARY KEY REFERENCES sessions (id),
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            process_started TEXT NOT NULL
        )"""
    )


def _migration_6_what_was_in_force(connection: sqlite3.Connection) -> None:
    # Per target the tempo, step interval and windows in force; per tap the windows it was
    # judged with; each task's start tempo (renamed: it was the only one) and end tempo; the
    # tempo a child's last session of an adaptive level ended at. Older sessions are filled in
    # from what they stored; what could not be recovered is said in migration_notes.
    statements = (
        "ALTER TABLE beats ADD COLUMN tempo_bpm REAL",
        "ALTER TABLE beats ADD COLUMN ioi_ms REAL",
        "ALTER TABLE beats ADD COLUMN sro_ms REAL",
        "ALTER TABLE beats ADD COLUMN good_ms REAL",
        "ALTER TABLE beats ADD COLUMN ok_ms REAL",
        "ALTER TABLE taps ADD COLUMN sro_ms REAL",
        "ALTER TABLE taps ADD COLUMN good_ms REAL",
        "ALTER TABLE taps ADD COLUMN ok_ms REAL",
        "ALTER TABLE tasks RENAME COLUMN tempo_bpm TO tempo_bpm_start",
        "ALTER TABLE tasks ADD COLUMN tempo_bpm_end REAL",
        "ALTER TABLE adaptive_positions ADD COLUMN tempo_bpm REAL",
        """CREATE TABLE migration_notes (
            session_id INTEGER NOT NULL REFERENCES sessions (id),
            task_index INTEGER,
            note TEXT NOT NULL
        )""",
        "CREATE INDEX migration_notes_by_session ON migration_notes (session_id)",
    )
    for statement in statements:
        connection.execute(statement)
    fill_what_was_in_force(connection)


def _migration_7_session_sound_and_autoplay(connection: sqlite3.Connection) -> None:
    # Where each session's sound went, and whether the program played it by itself. Rows
    # from before read NULL ("not recorded") and 0 (played by a child, as they all were).
    connection.execute("ALTER TABLE sessions ADD COLUMN audio_device TEXT")
    connection.execute(
        "ALTER TABLE sessions ADD COLUMN autoplayed INTEGER NOT NULL DEFAULT 0 "
        "CHECK (autoplayed IN (0, 1))"
    )


def _migration_8_kiosk_stations(connection: sqlite3.Connection) -> None:
    # Kiosk stations: the therapist PIN's hash and other station settings, an audit log that
    # the database itself refuses to change, plans given to a profile, and which run and stop
    # of its plan each session was. Only new tables and ADD COLUMN: existing rows stay.
    statements = (
        """CREATE TABLE station_settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at_utc TEXT NOT NULL
        )""",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at_utc TEXT NOT NULL,
            station TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        )""",
        # The store offers no way to change the log; these make the file itself refuse, so
        # that a tool or a bug that reaches the database directly cannot rewrite history.
        """CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows are never changed'); END""",
        """CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows are never deleted'); END""",
        "ALTER TABLE session_plans ADD COLUMN definition_json TEXT",
        "ALTER TABLE session_plans ADD COLUMN source_text TEXT",
        # One plan in force per profile; plans themselves are never deleted (sessions refer
        # to them), clearing a profile's plan removes only this row.
        """CREATE TABLE profile_plans (
            profile_id INTEGER PRIMARY KEY REFERENCES profiles (id),
            plan_id INTEGER NOT NULL REFERENCES session_plans (id),
            assigned_at_utc TEXT NOT NULL
        )""",
        "ALTER TABLE sessions ADD COLUMN plan_visit INTEGER",
        "ALTER TABLE sessions ADD COLUMN plan_stop INTEGER",
        "CREATE INDEX sessions_by_plan ON sessions (plan_id, plan_visit, plan_stop)",
    )
    for statement in statements:
        connection.execute(statement)


# Append only; never edit a migration that has shipped.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_1_initial_tables,
    _migration_2_clinical_records,
    _migration_3_adaptive_positions,
    _migration_4_profiles_by_code,
    _migration_5_session_owners,
    _migration_6_what_was_in_force,
    _migration_7_session_sound_and_autoplay,
    _migration_8_kiosk_stations,
)


def schema_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version"
    ).fetchone()
    return int(version)


def migrate(connection: sqlite3.Connection, version: int) -> None:
    """Make a new, empty database what the release of schema ``version`` made: its
    migrations in one transaction, with foreign keys off around it as that release did (a
    migration rebuilding a table checks the rows that refer to it)."""
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(connection):
            connection.execute(
                "CREATE TABLE schema_version ("
                "version INTEGER PRIMARY KEY, applied_at_utc TEXT NOT NULL)"
            )
            for number in range(1, version + 1):
                MIGRATIONS[number - 1](connection)
                connection.execute(
                    "INSERT INTO schema_version (version, applied_at_utc) VALUES (?, ?)",
                    (number, utc_now()),
                )
    finally:
        connection.execute("PRAGMA foreign_keys = ON")


def _check_references_to(connection: sqlite3.Connection, parent: str) -> None:
    """After rebuilding ``parent``: fail (and so roll back) if any row of a table that refers
    to it points at nothing. Only those tables are read; the taps of a clinic are not."""
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != ?", (parent,)
        )
    ]
    for table in tables:
        parents = {row[2] for row in connection.execute(f"PRAGMA foreign_key_list({table})")}
        if parent not in parents:
            continue
        broken = connection.execute(f"PRAGMA foreign_key_check({table})").fetchmany(3)
        if broken:
            rows = ", ".join(f"row {rowid} -> {to}" for _, rowid, to, _ in broken)
            raise sqlite3.IntegrityError(f"{table} would refer to nothing ({rows})")
