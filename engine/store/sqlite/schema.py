"""The SQLite schema and how it moves forward: ``MIGRATIONS[n]`` takes a database from
version n to n + 1, and ``migrate`` applies the ones a database lacks, in order, in one
transaction. Append only; never edit a migration that has shipped. Existing database files of
every version must keep opening.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from engine.store.protocol import SchemaTooNewError, StoreError
from engine.store.sqlite.connected import transaction, utc_now


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


def _migration_kiosk_stations(connection: sqlite3.Connection) -> None:
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
    _migration_kiosk_stations,
)


def schema_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version"
    ).fetchone()
    return int(version)


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the database at ``path`` up to the newest schema, all or nothing. Raises
    SchemaTooNewError for a database of a newer OnBeat, StoreError when SQLite refuses."""
    known_version = len(MIGRATIONS)
    try:
        with transaction(connection):
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at_utc TEXT NOT NULL)"
            )
            current_version = schema_version(connection)
            if current_version > known_version:
                raise SchemaTooNewError(
                    f"{path}: the database has schema version {current_version} but this "
                    f"OnBeat knows only up to version {known_version}; update OnBeat, or "
                    "choose another folder with --data-dir"
                )
            for version in range(current_version + 1, known_version + 1):
                MIGRATIONS[version - 1](connection)
                connection.execute(
                    "INSERT INTO schema_version (version, applied_at_utc) VALUES (?, ?)",
                    (version, utc_now()),
                )
    except sqlite3.Error as error:
        raise StoreError(
            f"{path}: could not bring the database up to schema version {known_version} "
            f"({error}); nothing was changed. Move the file away or choose another folder "
            "with --data-dir"
        ) from error
