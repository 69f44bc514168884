"""The session store: every SQL statement OnBeat runs, behind a small repository API.

SQLite now (one file in the user data dir); a PostgreSQL backend can later offer the same
methods. The schema only moves forward: ``MIGRATIONS[n]`` takes a database from version n to
n + 1, and opening a store applies the ones it lacks, in order, in one transaction.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from engine.records import JUDGEMENTS, BeatRecord, SessionStart, TapRecord, TaskStart

DATABASE_FILE_NAME = "onbeat.sqlite3"

SESSION_RUNNING = "running"
SESSION_COMPLETE = "complete"
SESSION_INCOMPLETE = "incomplete"

# Long enough to wait out another connection's commit (the recorder's writer, an export),
# short enough that a stuck lock becomes an error someone sees.
BUSY_TIMEOUT_MS = 5000

# Pseudonymous profile codes: no letters or digits that read alike (0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 6
_CODE_ATTEMPTS = 20


class StoreError(Exception):
    """The database cannot be used; the message names the file and what to do."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer OnBeat than this one."""


@dataclass(frozen=True)
class TapRow:
    """A stored tap with the session facts an export wants next to it."""

    tap: TapRecord
    profile_code: str
    level_id: str
    session_started_at_utc: str


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    profile_code: str
    level_id: str
    status: str
    started_at_utc: str
    ended_at_utc: str | None
    task_count: int
    beat_count: int
    tap_count: int
    paired_tap_count: int


def default_data_dir() -> Path:
    """Where OnBeat keeps its database unless ``--data-dir`` says otherwise."""
    return Path(platformdirs.user_data_dir("OnBeat", appauthor=False))


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


# Append only; never edit a migration that has shipped.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migration_1_initial_tables,)


class Store:
    """One open connection to the OnBeat database. Use it from one thread only."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """Open (creating if needed) the database in ``data_dir`` and bring its schema up to
        date. Raises StoreError (SchemaTooNewError for a newer database) naming the file."""
        data_dir = Path(data_dir)
        path = data_dir / DATABASE_FILE_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun explicitly (see transaction()), so
            # that migrations' DDL and the writer's batches commit exactly where we say.
            connection = sqlite3.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"{path}: cannot open the OnBeat database ({error}); check that the folder is "
                "writable or choose another one with --data-dir"
            ) from error
        store = cls(connection, path)
        try:
            store._configure()
            store._migrate()
        except BaseException:
            connection.close()
            raise
        return store

    def _configure(self) -> None:
        try:
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            (journal_mode,) = self._connection.execute("PRAGMA journal_mode = WAL").fetchone()
            # FULL: every commit is on disk before the writer moves on, so a power cut loses
            # no committed taps. The fsync happens in the writer thread, never in a frame.
            self._connection.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as error:
            raise StoreError(
                f"{self.path}: not a usable OnBeat database ({error}); move the file away or "
                "choose another folder with --data-dir"
            ) from error
        if journal_mode.lower() != "wal":
            raise StoreError(
                f"{self.path}: SQLite could not use write-ahead logging (journal mode is "
                f"{journal_mode!r}); put the data folder on a local disk with --data-dir"
            )

    def _migrate(self) -> None:
        known_version = len(MIGRATIONS)
        try:
            with self.transaction():
                self._connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    "version INTEGER PRIMARY KEY, applied_at_utc TEXT NOT NULL)"
                )
                current_version = self.schema_version()
                if current_version > known_version:
                    raise SchemaTooNewError(
                        f"{self.path}: the database has schema version {current_version} but "
                        f"this OnBeat knows only up to version {known_version}; update OnBeat, "
                        "or choose another folder with --data-dir"
                    )
                for version in range(current_version + 1, known_version + 1):
                    MIGRATIONS[version - 1](self._connection)
                    self._connection.execute(
                        "INSERT INTO schema_version (version, applied_at_utc) VALUES (?, ?)",
                        (version, _utc_now()),
                    )
        except sqlite3.Error as error:
            raise StoreError(
                f"{self.path}: could not bring the database up to schema version "
                f"{known_version} ({error}); nothing was changed. Move the file away or "
                "choose another folder with --data-dir"
            ) from error

    def schema_version(self) -> int:
        (version,) = self._connection.execute(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version"
        ).fetchone()
        return int(version)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so they commit together or not at all. Nested uses join the outer one."""
        if self._connection.in_transaction:
            yield
            return
        # IMMEDIATE takes the write lock now, so a read-then-write (get-or-create) cannot race.
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._connection.execute("COMMIT")
        except BaseException:
            # SQLite rolls back by itself after some errors (disk full, I/O); don't do it twice.
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise

    # --- profiles -------------------------------------------------------------------------
    def profile_id_for(self, display_name: str) -> int:
        """The id of the profile called ``display_name``, created with a fresh code if new."""
        if not display_name.strip():
            raise ValueError("a profile needs a name that is not blank")
        with self.transaction():
            row = self._connection.execute(
                "SELECT id FROM profiles WHERE display_name = ?", (display_name,)
            ).fetchone()
            if row is not None:
                return int(row[0])
            code = self._unused_profile_code()
            cursor = self._connection.execute(
                "INSERT INTO profiles (code, display_name, created_at_utc) VALUES (?, ?, ?)",
                (code, display_name, _utc_now()),
            )
            return int(cursor.lastrowid)

    def _unused_profile_code(self) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            taken = self._connection.execute(
                "SELECT 1 FROM profiles WHERE code = ?", (code,)
            ).fetchone()
            if taken is None:
                return code
        raise StoreError(f"{self.path}: found no unused profile code in {_CODE_ATTEMPTS} tries")

    # --- sessions -------------------------------------------------------------------------
    def start_session(self, session: SessionStart) -> int:
        """Record a session as running and return its id (the profile is made if new)."""
        with self.transaction():
            profile_id = self.profile_id_for(session.profile_name)
            cursor = self._connection.execute(
                "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
                "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    profile_id,
                    session.level_id,
                    session.level_title,
                    session.level_path,
                    session.station,
                    session.sample_rate_hz,
                    session.input_offset_ms,
                    session.output_latency_ms,
                    session.started_at_utc,
                    SESSION_RUNNING,
                ),
            )
            return int(cursor.lastrowid)

    def end_session(self, session_id: int, ended_at_utc: str, status: str) -> None:
        """Close a session as 'complete' or 'incomplete' (ISO 8601 end time)."""
        if status not in (SESSION_COMPLETE, SESSION_INCOMPLETE):
            raise ValueError(
                f"session {session_id}: status must be {SESSION_COMPLETE!r} or "
                f"{SESSION_INCOMPLETE!r}, not {status!r}"
            )
        with self.transaction():
            cursor = self._connection.execute(
                "UPDATE sessions SET ended_at_utc = ?, status = ? WHERE id = ?",
                (ended_at_utc, status, session_id),
            )
            if cursor.rowcount != 1:
                raise LookupError(f"{self.path}: there is no session {session_id} to end")

    def mark_abandoned_sessions_incomplete(self) -> int:
        """Mark sessions still 'running' (left by a crash) 'incomplete', keeping their data.
        Call at start-up, before any session begins. Returns how many were marked."""
        with self.transaction():
            cursor = self._connection.execute(
                "UPDATE sessions SET status = ? WHERE status = ?",
                (SESSION_INCOMPLETE, SESSION_RUNNING),
            )
            return cursor.rowcount

    # --- what a session produced ----------------------------------------------------------
    def add_task(self, task: TaskStart) -> None:
        with self.transaction():
            self._connection.execute(
                "INSERT INTO tasks (session_id, task_index, task_name, settings_json, "
                "tempo_bpm, start_frame) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    task.session_id,
                    task.task_index,
                    task.task_name,
                    task.settings_json,
                    task.tempo_bpm,
                    task.start_frame,
                ),
            )

    def add_beats(self, beats: Sequence[BeatRecord]) -> None:
        with self.transaction():
            self._connection.executemany(
                "INSERT INTO beats (session_id, task_index, beat_index, limb, target_frame, "
                "scored) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        beat.session_id,
                        beat.task_index,
                        beat.beat_index,
                        beat.limb,
                        beat.target_frame,
                        int(beat.scored),
                    )
                    for beat in beats
                ],
            )

    def add_taps(self, taps: Sequence[TapRecord]) -> None:
        for tap in taps:
            if tap.judgement not in JUDGEMENTS:
                raise ValueError(
                    f"tap {tap.tap_index} of session {tap.session_id} task {tap.task_index}: "
                    f"judgement {tap.judgement!r} is not one of {', '.join(JUDGEMENTS)}"
                )
        with self.transaction():
            self._connection.executemany(
                "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, "
                "stamp_source, audio_frame, audio_time_s, beat_index, asynchrony_ms, "
                "judgement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        tap.session_id,
                        tap.task_index,
                        tap.tap_index,
                        tap.channel,
                        tap.host_ns,
                        tap.stamp_source,
                        tap.audio_frame,
                        tap.audio_time_s,
                        tap.beat_index,
                        tap.asynchrony_ms,
                        tap.judgement,
                    )
                    for tap in taps
                ],
            )

    # --- reading --------------------------------------------------------------------------
    def iter_tap_rows(self, session_id: int | None = None) -> Iterator[TapRow]:
        """Taps of one session (or of all sessions), in session, task and tap order."""
        query = (
            "SELECT t.session_id, t.task_index, t.tap_index, t.channel, t.host_ns, "
            "t.stamp_source, t.audio_frame, t.audio_time_s, t.beat_index, t.asynchrony_ms, "
            "t.judgement, p.code, s.level_id, s.started_at_utc "
            "FROM taps AS t "
            "JOIN sessions AS s ON s.id = t.session_id "
            "JOIN profiles AS p ON p.id = s.profile_id "
        )
        if session_id is None:
            rows = self._connection.execute(
                query + "ORDER BY t.session_id, t.task_index, t.tap_index"
            )
        else:
            rows = self._connection.execute(
                query + "WHERE t.session_id = ? ORDER BY t.task_index, t.tap_index",
                (session_id,),
            )
        for row in rows:
            yield TapRow(
                tap=TapRecord(
                    session_id=row[0],
                    task_index=row[1],
                    tap_index=row[2],
                    channel=row[3],
                    host_ns=row[4],
                    stamp_source=row[5],
                    audio_frame=row[6],
                    audio_time_s=row[7],
                    beat_index=row[8],
                    asynchrony_ms=row[9],
                    judgement=row[10],
                ),
                profile_code=row[11],
                level_id=row[12],
                session_started_at_utc=row[13],
            )

    def session_summary(self, session_id: int) -> SessionSummary:
        """Counts and state of one session; LookupError if there is no such session."""
        row = self._connection.execute(
            "SELECT s.id, p.code, s.level_id, s.status, s.started_at_utc, s.ended_at_utc, "
            "(SELECT COUNT(*) FROM tasks WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM beats WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM taps WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM taps WHERE session_id = s.id AND beat_index IS NOT NULL) "
            "FROM sessions AS s JOIN profiles AS p ON p.id = s.profile_id WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return SessionSummary(*row)

    def close(self) -> None:
        self._connection.close()
