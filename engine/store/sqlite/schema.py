"""The SQLite schema and how it moves forward: ``MIGRATIONS[n]`` takes a database from
version n to n + 1, and ``migrate`` applies the ones a database lacks, in order, in one
transaction. Append only; never edit a migration that has shipped. Existing database files of
every version must keep opening.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path

from engine.store.protocol import SchemaTooNewError, SchemaTooOldError
from engine.store.sqlite.chart import CHART_TABLES
from engine.store.sqlite.connected import transaction, utc_now
from engine.store.sqlite.faults import damaged
from engine.store.sqlite.in_force_upgrade import fill_what_was_in_force

TableColumns = dict[str, tuple[str, ...]]


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


def _migration_9_tap_velocity_and_device(connection: sqlite3.Connection) -> None:
    # How hard each tap was (MIDI velocity) and which device it came from. Taps from before
    # read NULL: not recorded.
    connection.execute("ALTER TABLE taps ADD COLUMN velocity INTEGER")
    connection.execute("ALTER TABLE taps ADD COLUMN device TEXT")


def _migration_10_clinic_chart(connection: sqlite3.Connection) -> None:
    # What a clinic files and bills: therapists, minutes per code, signatures, goals, chart
    # fields, default codes (engine/store/sqlite/chart.py). New tables only: no row changes.
    for statement in CHART_TABLES:
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
    _migration_9_tap_velocity_and_device,
    _migration_10_clinic_chart,
)


def schema_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version"
    ).fetchone()
    return int(version)


def newest_version() -> int:
    """The schema version this OnBeat makes and reads."""
    return len(MIGRATIONS)


def stored_schema_version(connection: sqlite3.Connection) -> int:
    """The schema version of the database; 0 for a new, empty one (no tables yet)."""
    (tables,) = connection.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    return schema_version(connection) if tables else 0


def _too_new(path: Path, version: int) -> SchemaTooNewError:
    return SchemaTooNewError(
        f"{path} was written by a newer OnBeat (schema version {version}; this one knows up "
        f"to {len(MIGRATIONS)}): update OnBeat on this computer, or choose another folder "
        "with --data-dir."
    )


def check_readable_version(connection: sqlite3.Connection, path: Path) -> None:
    """For a store opened read-only, which must not migrate: raise SchemaTooNewError or
    SchemaTooOldError unless the database is of exactly this OnBeat's schema."""
    version = stored_schema_version(connection)
    if version > len(MIGRATIONS):
        raise _too_new(path, version)
    if version < len(MIGRATIONS):
        raise SchemaTooOldError(
            f"{path} was written by an older OnBeat (schema version {version}, now "
            f"{len(MIGRATIONS)}), and this command only reads. Upgrade it with a write command "
            "first (start OnBeat once, or record with `run.py play` or `run.py demo`), then "
            "try again."
        )


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the database at ``path`` up to the newest schema, all or nothing. Raises
    SchemaTooNewError for a database of a newer OnBeat; sqlite3.Error when SQLite refuses
    (the caller says what that means). Takes the write lock only when there is work to do."""
    known_version = len(MIGRATIONS)
    current_version = stored_schema_version(connection)
    if current_version > known_version:
        raise _too_new(path, current_version)
    if current_version == known_version:
        return
    # A migration may rebuild a table (SQLite's only way to change a constraint), and dropping
    # the old table with foreign keys on would count every row that refers to it as broken.
    # The switch has no effect inside a transaction, so it is flipped around it; a migration
    # that rebuilds a table checks the rows that refer to it (_check_references_to).
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        with transaction(connection):
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at_utc TEXT NOT NULL)"
            )
            # Again under the lock: another program may have migrated meanwhile.
            current_version = schema_version(connection)
            if current_version > known_version:
                raise _too_new(path, current_version)
            for version in range(current_version + 1, known_version + 1):
                MIGRATIONS[version - 1](connection)
                connection.execute(
                    "INSERT INTO schema_version (version, applied_at_utc) VALUES (?, ?)",
                    (version, utc_now()),
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


@functools.cache
def _tables_made_by(migrations: tuple[Callable[[sqlite3.Connection], None], ...]) -> TableColumns:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        with transaction(connection):
            for migration in migrations:
                migration(connection)
        return tables_of(connection)
    finally:
        connection.close()


def check_tables(connection: sqlite3.Connection, path: Path) -> None:
    """Raise StoreDamagedError if a table or column of the current schema is missing (the
    file was changed by another program, or damaged), before any command trips over it."""
    found = tables_of(connection)
    for table, columns in _tables_made_by(MIGRATIONS).items():
        if table not in found:
            raise damaged(path, f"the table '{table}' is missing")
        lacking = [column for column in columns if column not in found[table]]
        if lacking:
            raise damaged(path, f"the table '{table}' lacks {', '.join(lacking)}")


def tables_of(connection: sqlite3.Connection) -> TableColumns:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: tuple(row[1] for row in connection.execute(f'PRAGMA table_info("{name}")'))
        for name in names
    }
