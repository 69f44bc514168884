"""The session store: every SQL statement OnBeat runs, behind a small repository API.

SQLite now (one file in the user data dir); a PostgreSQL backend can later offer the same
methods. The schema only moves forward: ``MIGRATIONS[n]`` takes a database from version n to
n + 1, and opening a store applies the ones it lacks, in order, in one transaction.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import platformdirs

from engine.store.records import JUDGEMENTS, BeatRecord, SessionStart, TapRecord, TaskStart

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


@dataclass(frozen=True)
class SessionCalibration:
    """The timing calibration a session was played with, beside the input offset and output
    latency that every session records (SessionStart)."""

    visual_offset_ms: float
    calibrated_at_utc: str | None  # when the offsets were measured; None: defaults were used
    method: str  # how they were obtained, e.g. "tap test" or "defaults"


@dataclass(frozen=True)
class ProfileRow:
    profile_id: int
    code: str
    display_name: str
    birth_year: int | None
    avatar: str | None
    created_at_utc: str
    session_count: int
    last_session_started_at_utc: str | None


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    profile_code: str
    level_id: str
    level_title: str
    level_path: str
    station: str
    sample_rate_hz: int
    input_offset_ms: float
    output_latency_ms: float
    calibration: SessionCalibration | None  # None: not recorded (an older OnBeat)
    plan_id: int | None
    started_at_utc: str
    ended_at_utc: str | None
    status: str


@dataclass(frozen=True)
class TaskRow:
    session_id: int
    task_index: int
    task_name: str
    settings_json: str
    tempo_bpm: float
    start_frame: int


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class BeatColumns:
    """Beats of a session as columns, in task and beat order."""

    task_index: np.ndarray  # int64
    beat_index: np.ndarray  # int64
    limb: np.ndarray  # object (str)
    target_frame: np.ndarray  # int64
    scored: np.ndarray  # bool


@dataclass(frozen=True, eq=False)
class TapColumns:
    """Taps of a session as columns, in task and tap order. Unpaired taps have beat_index
    UNPAIRED_BEAT and asynchrony_ms NaN (NULL in the database)."""

    task_index: np.ndarray  # int64
    tap_index: np.ndarray  # int64
    channel: np.ndarray  # object (str)
    host_ns: np.ndarray  # int64
    stamp_source: np.ndarray  # object (str)
    audio_frame: np.ndarray  # int64
    audio_time_s: np.ndarray  # float64
    beat_index: np.ndarray  # int64
    asynchrony_ms: np.ndarray  # float64
    judgement: np.ndarray  # object (str)

    def __len__(self) -> int:
        return int(self.task_index.shape[0])


UNPAIRED_BEAT = -1


@dataclass(frozen=True)
class AdaptationStep:
    """One move of the difficulty controller: the ladder rung it moved to and the settings
    there (None for what that ladder does not adjust)."""

    session_id: int
    task_index: int
    step_index: int
    audio_frame: int  # where the change took effect (a bar line)
    rung: int
    direction: str  # 'up' (harder) or 'down'
    tempo_bpm: float | None
    window_ms: float | None
    visual_cue: str | None
    success_rate: float | None  # what the controller saw before deciding


@dataclass(frozen=True)
class AdaptivePosition:
    """Where a child's difficulty staircase stood on a level's ladder after the last session
    (engine/session/adaptation.py), and when that was."""

    profile_code: str
    level_id: str
    position: float  # in rungs, 0 = easiest
    updated_at_utc: str


@dataclass(frozen=True)
class Note:
    note_id: int
    profile_code: str
    session_id: int | None  # None: about the profile, not one session
    written_at_utc: str
    author: str
    body: str


@dataclass(frozen=True)
class PlanStep:
    level_id: str
    repetitions: int = 1


@dataclass(frozen=True)
class SessionPlan:
    plan_id: int
    profile_code: str | None  # None: a plan any profile may use
    title: str
    steps: tuple[PlanStep, ...]
    planned_minutes: float | None
    created_at_utc: str


# Per (session, task, limb) sums from which progress metrics follow (engine/metrics/progress).
LIMB_STAT_COUNTS: tuple[str, ...] = (
    "beats",
    "paired_taps",
    "sro_taps",
    "hits",
    "early_taps",
    "late_taps",
)
LIMB_STAT_SUMS: tuple[str, ...] = (
    "sum_abs_asynchrony_ms",
    "sum_asynchrony_ms",
    "sum_squared_asynchrony_ms2",
    "sum_cos_phase",
    "sum_sin_phase",
)


@dataclass(frozen=True, eq=False)
class LimbStatColumns:
    """Rows of task_limb_stats as columns: counts[:, i] is LIMB_STAT_COUNTS[i], sums[:, i] is
    LIMB_STAT_SUMS[i]."""

    session_id: np.ndarray  # int64
    task_index: np.ndarray  # int64
    limb: np.ndarray  # object (str)
    counts: np.ndarray  # int64 [rows, len(LIMB_STAT_COUNTS)]
    sums: np.ndarray  # float64 [rows, len(LIMB_STAT_SUMS)]

    def __len__(self) -> int:
        return int(self.session_id.shape[0])


def default_data_dir() -> Path:
    """Where OnBeat keeps its database unless ``--data-dir`` says otherwise."""
    return Path(platformdirs.user_data_dir("OnBeat", appauthor=False))


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_INSERT_TAP = (
    "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, stamp_source, "
    "audio_frame, audio_time_s, beat_index, asynchrony_ms, judgement) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _check_judgement(
    judgement: str, session_id: int, task_index: int | None, tap_index: int | None
) -> None:
    if judgement not in JUDGEMENTS:
        where = f"session {session_id}"
        if task_index is not None:
            where = f"tap {tap_index} of session {session_id} task {task_index}"
        raise ValueError(f"{where}: judgement {judgement!r} is not one of {', '.join(JUDGEMENTS)}")


def _columns(rows: list[tuple], width: int) -> list[tuple]:
    """Rows to columns; ``width`` empty columns when there are no rows."""
    if not rows:
        return [()] * width
    return list(zip(*rows, strict=True))


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


# Append only; never edit a migration that has shipped.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migration_1_initial_tables,
    _migration_2_clinical_records,
    _migration_3_adaptive_positions,
)


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
    def start_session(
        self,
        session: SessionStart,
        calibration: SessionCalibration | None = None,
        plan_id: int | None = None,
    ) -> int:
        """Record a session as running and return its id (the profile is made if new)."""
        calibration_json = None if calibration is None else json.dumps(asdict(calibration))
        with self.transaction():
            profile_id = self.profile_id_for(session.profile_name)
            cursor = self._connection.execute(
                "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
                "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, status, "
                "calibration_json, plan_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    calibration_json,
                    plan_id,
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
        """Store targets; a target laid out anew (after a pause or a tempo change) replaces
        its row."""
        with self.transaction():
            self._connection.executemany(
                "INSERT INTO beats (session_id, task_index, beat_index, limb, target_frame, "
                "scored) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, task_index, beat_index) DO UPDATE SET "
                "limb = excluded.limb, target_frame = excluded.target_frame, "
                "scored = excluded.scored",
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
            _check_judgement(tap.judgement, tap.session_id, tap.task_index, tap.tap_index)
        with self.transaction():
            self._connection.executemany(
                _INSERT_TAP,
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

    def add_beat_columns(self, session_id: int, beats: BeatColumns) -> None:
        """Bulk form of add_beats, for imports and generated data."""
        with self.transaction():
            self._connection.executemany(
                "INSERT INTO beats (session_id, task_index, beat_index, limb, target_frame, "
                "scored) VALUES (?, ?, ?, ?, ?, ?)",
                zip(
                    [session_id] * len(beats.task_index),
                    beats.task_index.tolist(),
                    beats.beat_index.tolist(),
                    beats.limb.tolist(),
                    beats.target_frame.tolist(),
                    beats.scored.astype(np.int64).tolist(),
                    strict=True,
                ),
            )

    def add_tap_columns(self, session_id: int, taps: TapColumns) -> None:
        """Bulk form of add_taps, for imports and generated data."""
        for judgement in set(taps.judgement.tolist()):
            _check_judgement(judgement, session_id, None, None)
        paired = (taps.beat_index != UNPAIRED_BEAT).tolist()
        beat_index = [
            index if ok else None
            for index, ok in zip(taps.beat_index.tolist(), paired, strict=True)
        ]
        asynchrony_ms = [
            value if ok else None
            for value, ok in zip(taps.asynchrony_ms.tolist(), paired, strict=True)
        ]
        with self.transaction():
            self._connection.executemany(
                _INSERT_TAP,
                zip(
                    [session_id] * len(taps),
                    taps.task_index.tolist(),
                    taps.tap_index.tolist(),
                    taps.channel.tolist(),
                    taps.host_ns.tolist(),
                    taps.stamp_source.tolist(),
                    taps.audio_frame.tolist(),
                    taps.audio_time_s.tolist(),
                    beat_index,
                    asynchrony_ms,
                    taps.judgement.tolist(),
                    strict=True,
                ),
            )

    def add_adaptation_steps(self, steps: Sequence[AdaptationStep]) -> None:
        with self.transaction():
            self._connection.executemany(
                "INSERT INTO adaptation_steps (session_id, task_index, step_index, audio_frame, "
                "rung, direction, tempo_bpm, window_ms, visual_cue, success_rate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        step.session_id,
                        step.task_index,
                        step.step_index,
                        step.audio_frame,
                        step.rung,
                        step.direction,
                        step.tempo_bpm,
                        step.window_ms,
                        step.visual_cue,
                        step.success_rate,
                    )
                    for step in steps
                ],
            )

    def save_adaptive_position(
        self,
        profile_code: str,
        level_id: str,
        position: float,
        updated_at_utc: str | None = None,
    ) -> None:
        """Remember where the staircase of ``level_id`` stands for a profile (replacing what
        was there)."""
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            self._connection.execute(
                "INSERT INTO adaptive_positions (profile_id, level_id, position, updated_at_utc) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (profile_id, level_id) DO UPDATE SET "
                "position = excluded.position, updated_at_utc = excluded.updated_at_utc",
                (profile_id, level_id, float(position), updated_at_utc or _utc_now()),
            )

    def adaptive_position(self, profile_code: str, level_id: str) -> AdaptivePosition | None:
        """The stored staircase position of a profile on a level; None if never stored."""
        row = self._connection.execute(
            "SELECT a.position, a.updated_at_utc FROM adaptive_positions AS a "
            "JOIN profiles AS p ON p.id = a.profile_id WHERE p.code = ? AND a.level_id = ?",
            (profile_code, level_id),
        ).fetchone()
        if row is None:
            return None
        return AdaptivePosition(profile_code, level_id, float(row[0]), row[1])

    # --- what therapists add --------------------------------------------------------------
    def set_profile_details(
        self, profile_code: str, birth_year: int | None, avatar: str | None
    ) -> None:
        """Set (or clear, with None) a profile's optional birth year and avatar name."""
        if birth_year is not None and not 1900 <= birth_year <= datetime.now(UTC).year:
            raise ValueError(f"profile {profile_code}: birth year {birth_year} is not plausible")
        with self.transaction():
            cursor = self._connection.execute(
                "UPDATE profiles SET birth_year = ?, avatar = ? WHERE code = ?",
                (birth_year, avatar, profile_code),
            )
            if cursor.rowcount != 1:
                raise LookupError(f"{self.path}: there is no profile {profile_code}")

    def add_note(
        self,
        body: str,
        author: str,
        session_id: int | None = None,
        profile_code: str | None = None,
        written_at_utc: str | None = None,
    ) -> Note:
        """Store a therapist's note about one session, or (without session_id) about the
        profile ``profile_code``. Notes are never edited: a correction is a new note."""
        if not body.strip():
            raise ValueError("a note needs some text")
        if (session_id is None) == (profile_code is None):
            raise ValueError("a note is about a session or a profile: give exactly one")
        written_at_utc = written_at_utc or _utc_now()
        with self.transaction():
            if session_id is not None:
                row = self._connection.execute(
                    "SELECT s.profile_id, p.code FROM sessions AS s "
                    "JOIN profiles AS p ON p.id = s.profile_id WHERE s.id = ?",
                    (session_id,),
                ).fetchone()
                missing = f"there is no session {session_id}"
            else:
                row = self._connection.execute(
                    "SELECT id, code FROM profiles WHERE code = ?", (profile_code,)
                ).fetchone()
                missing = f"there is no profile {profile_code}"
            if row is None:
                raise LookupError(f"{self.path}: {missing} to write a note about")
            cursor = self._connection.execute(
                "INSERT INTO notes (profile_id, session_id, written_at_utc, author, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (row[0], session_id, written_at_utc, author, body),
            )
        return Note(int(cursor.lastrowid), row[1], session_id, written_at_utc, author, body)

    def add_session_plan(
        self,
        title: str,
        steps: Sequence[PlanStep],
        planned_minutes: float | None = None,
        profile_code: str | None = None,
    ) -> int:
        """Store a plan (levels in order, each played ``repetitions`` times) for one profile,
        or for anyone when ``profile_code`` is None; return its id."""
        if not steps:
            raise ValueError(f"plan {title!r} needs at least one level")
        with self.transaction():
            profile_id = None
            if profile_code is not None:
                profile_id = self._profile_id_of_code(profile_code)
            cursor = self._connection.execute(
                "INSERT INTO session_plans (profile_id, title, steps_json, planned_minutes, "
                "created_at_utc) VALUES (?, ?, ?, ?, ?)",
                (
                    profile_id,
                    title,
                    json.dumps([asdict(step) for step in steps]),
                    planned_minutes,
                    _utc_now(),
                ),
            )
            return int(cursor.lastrowid)

    def _profile_id_of_code(self, profile_code: str) -> int:
        row = self._connection.execute(
            "SELECT id FROM profiles WHERE code = ?", (profile_code,)
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no profile {profile_code}")
        return int(row[0])

    # --- reading --------------------------------------------------------------------------
    def count_taps(self, session_id: int | None = None) -> int:
        if session_id is None:
            (count,) = self._connection.execute("SELECT COUNT(*) FROM taps").fetchone()
        else:
            (count,) = self._connection.execute(
                "SELECT COUNT(*) FROM taps WHERE session_id = ?", (session_id,)
            ).fetchone()
        return int(count)

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

    _SESSION_COLUMNS = (
        "s.id, p.code, s.level_id, s.level_title, s.level_path, s.station, s.sample_rate_hz, "
        "s.input_offset_ms, s.output_latency_ms, s.calibration_json, s.plan_id, "
        "s.started_at_utc, s.ended_at_utc, s.status "
        "FROM sessions AS s JOIN profiles AS p ON p.id = s.profile_id "
    )

    @staticmethod
    def _session_row(row: tuple) -> SessionRow:
        calibration = None if row[9] is None else SessionCalibration(**json.loads(row[9]))
        return SessionRow(*row[:9], calibration, *row[10:])

    def list_profiles(self) -> list[ProfileRow]:
        """Every profile with its number of sessions and latest session start, by code."""
        rows = self._connection.execute(
            "SELECT p.id, p.code, p.display_name, p.birth_year, p.avatar, p.created_at_utc, "
            "COUNT(s.id), MAX(s.started_at_utc) "
            "FROM profiles AS p LEFT JOIN sessions AS s ON s.profile_id = p.id "
            "GROUP BY p.id ORDER BY p.code"
        )
        return [ProfileRow(*row) for row in rows]

    def profile(self, profile_code: str) -> ProfileRow:
        """One profile by its code; LookupError if there is none."""
        for row in self.list_profiles():
            if row.code == profile_code:
                return row
        raise LookupError(f"{self.path}: there is no profile {profile_code}")

    def list_sessions(
        self,
        profile_code: str | None = None,
        started_from_utc: str | None = None,
        started_before_utc: str | None = None,
    ) -> list[SessionRow]:
        """Sessions of one profile (or all), optionally those started in [from, before), as
        ISO 8601 UTC strings like the stored ones; oldest first."""
        conditions, parameters = [], []
        if profile_code is not None:
            conditions.append("p.code = ?")
            parameters.append(profile_code)
        if started_from_utc is not None:
            conditions.append("s.started_at_utc >= ?")
            parameters.append(started_from_utc)
        if started_before_utc is not None:
            conditions.append("s.started_at_utc < ?")
            parameters.append(started_before_utc)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self._connection.execute(
            f"SELECT {self._SESSION_COLUMNS}{where}ORDER BY s.started_at_utc, s.id", parameters
        )
        return [self._session_row(row) for row in rows]

    def session(self, session_id: int) -> SessionRow:
        """One session; LookupError if there is none."""
        row = self._connection.execute(
            f"SELECT {self._SESSION_COLUMNS}WHERE s.id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return self._session_row(row)

    def iter_task_rows(self, session_id: int | None = None) -> Iterator[TaskRow]:
        """Tasks of one session (or of all), in session and task order."""
        query = (
            "SELECT session_id, task_index, task_name, settings_json, tempo_bpm, start_frame "
            "FROM tasks "
        )
        if session_id is None:
            rows = self._connection.execute(query + "ORDER BY session_id, task_index")
        else:
            rows = self._connection.execute(
                query + "WHERE session_id = ? ORDER BY task_index", (session_id,)
            )
        for row in rows:
            yield TaskRow(*row)

    def beat_columns(self, session_id: int) -> BeatColumns:
        rows = self._connection.execute(
            "SELECT task_index, beat_index, limb, target_frame, scored FROM beats "
            "WHERE session_id = ? ORDER BY task_index, beat_index",
            (session_id,),
        ).fetchall()
        task_index, beat_index, limb, target_frame, scored = _columns(rows, 5)
        return BeatColumns(
            task_index=np.array(task_index, dtype=np.int64),
            beat_index=np.array(beat_index, dtype=np.int64),
            limb=np.array(limb, dtype=object),
            target_frame=np.array(target_frame, dtype=np.int64),
            scored=np.array(scored, dtype=bool),
        )

    def tap_columns(self, session_id: int) -> TapColumns:
        rows = self._connection.execute(
            "SELECT task_index, tap_index, channel, host_ns, stamp_source, audio_frame, "
            f"audio_time_s, COALESCE(beat_index, {UNPAIRED_BEAT}), asynchrony_ms, judgement "
            "FROM taps WHERE session_id = ? ORDER BY task_index, tap_index",
            (session_id,),
        ).fetchall()
        columns = _columns(rows, 10)
        return TapColumns(
            task_index=np.array(columns[0], dtype=np.int64),
            tap_index=np.array(columns[1], dtype=np.int64),
            channel=np.array(columns[2], dtype=object),
            host_ns=np.array(columns[3], dtype=np.int64),
            stamp_source=np.array(columns[4], dtype=object),
            audio_frame=np.array(columns[5], dtype=np.int64),
            audio_time_s=np.array(columns[6], dtype=np.float64),
            beat_index=np.array(columns[7], dtype=np.int64),
            # None (an unpaired tap) becomes NaN in a float64 array.
            asynchrony_ms=np.array(columns[8], dtype=np.float64),
            judgement=np.array(columns[9], dtype=object),
        )

    def adaptation_steps(self, session_id: int) -> list[AdaptationStep]:
        rows = self._connection.execute(
            "SELECT session_id, task_index, step_index, audio_frame, rung, direction, "
            "tempo_bpm, window_ms, visual_cue, success_rate FROM adaptation_steps "
            "WHERE session_id = ? ORDER BY task_index, step_index",
            (session_id,),
        )
        return [AdaptationStep(*row) for row in rows]

    def notes(self, session_id: int | None = None, profile_code: str | None = None) -> list[Note]:
        """Notes about one session, or every note (session or profile) of one profile;
        oldest first."""
        if (session_id is None) == (profile_code is None):
            raise ValueError("give exactly one of session_id and profile_code")
        query = (
            "SELECT n.id, p.code, n.session_id, n.written_at_utc, n.author, n.body "
            "FROM notes AS n JOIN profiles AS p ON p.id = n.profile_id "
        )
        if session_id is not None:
            rows = self._connection.execute(
                query + "WHERE n.session_id = ? ORDER BY n.written_at_utc, n.id", (session_id,)
            )
        else:
            rows = self._connection.execute(
                query + "WHERE p.code = ? ORDER BY n.written_at_utc, n.id", (profile_code,)
            )
        return [Note(*row) for row in rows]

    def session_plans(self, profile_code: str | None = None) -> list[SessionPlan]:
        """Plans for anyone, plus those of ``profile_code`` when given; oldest first."""
        rows = self._connection.execute(
            "SELECT sp.id, p.code, sp.title, sp.steps_json, sp.planned_minutes, "
            "sp.created_at_utc FROM session_plans AS sp "
            "LEFT JOIN profiles AS p ON p.id = sp.profile_id "
            "WHERE sp.profile_id IS NULL OR p.code = ? ORDER BY sp.id",
            (profile_code,),
        )
        return [
            SessionPlan(
                plan_id=row[0],
                profile_code=row[1],
                title=row[2],
                steps=tuple(PlanStep(**step) for step in json.loads(row[3])),
                planned_minutes=row[4],
                created_at_utc=row[5],
            )
            for row in rows
        ]

    # --- derived progress sums ------------------------------------------------------------
    def sessions_lacking_limb_stats(self, metrics_version: int) -> list[int]:
        """Ended sessions (complete or incomplete) whose task_limb_stats are missing or were
        computed by another metrics version. Running sessions still grow, so they never count."""
        rows = self._connection.execute(
            "SELECT id FROM sessions WHERE status != ? "
            "AND (limb_stats_version IS NULL OR limb_stats_version != ?) ORDER BY id",
            (SESSION_RUNNING, metrics_version),
        )
        return [int(row[0]) for row in rows]

    def replace_limb_stats(
        self, session_ids: Iterable[int], stats: LimbStatColumns, metrics_version: int
    ) -> None:
        """Make ``stats`` the task_limb_stats of ``session_ids`` (all their rows, none left
        over from before), computed by ``metrics_version``."""
        session_ids = [(int(session_id),) for session_id in session_ids]
        with self.transaction():
            self._connection.executemany(
                "DELETE FROM task_limb_stats WHERE session_id = ?", session_ids
            )
            names = ("session_id", "task_index", "limb", *LIMB_STAT_COUNTS, *LIMB_STAT_SUMS)
            self._connection.executemany(
                f"INSERT INTO task_limb_stats ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})",
                zip(
                    stats.session_id.tolist(),
                    stats.task_index.tolist(),
                    stats.limb.tolist(),
                    *stats.counts.T.tolist(),
                    *stats.sums.T.tolist(),
                    strict=True,
                ),
            )
            self._connection.executemany(
                "UPDATE sessions SET limb_stats_version = ? WHERE id = ?",
                [(metrics_version, session_id) for (session_id,) in session_ids],
            )

    def limb_stats(self, profile_code: str | None = None) -> LimbStatColumns:
        """task_limb_stats of one profile's sessions (or of all), in session and task order.
        Call engine.metrics.progress.refresh_limb_stats first so that none are missing."""
        names = ", ".join(f"x.{name}" for name in (*LIMB_STAT_COUNTS, *LIMB_STAT_SUMS))
        query = f"SELECT x.session_id, x.task_index, x.limb, {names} FROM task_limb_stats AS x "
        if profile_code is None:
            rows = self._connection.execute(
                query + "ORDER BY x.session_id, x.task_index"
            ).fetchall()
        else:
            rows = self._connection.execute(
                query + "JOIN sessions AS s ON s.id = x.session_id "
                "JOIN profiles AS p ON p.id = s.profile_id WHERE p.code = ? "
                "ORDER BY x.session_id, x.task_index",
                (profile_code,),
            ).fetchall()
        columns = _columns(rows, 3 + len(LIMB_STAT_COUNTS) + len(LIMB_STAT_SUMS))
        first_sum = 3 + len(LIMB_STAT_COUNTS)
        return LimbStatColumns(
            session_id=np.array(columns[0], dtype=np.int64),
            task_index=np.array(columns[1], dtype=np.int64),
            limb=np.array(columns[2], dtype=object),
            counts=np.array(columns[3:first_sum], dtype=np.int64)
            .reshape(len(LIMB_STAT_COUNTS), -1)
            .T,
            sums=np.array(columns[first_sum:], dtype=np.float64).reshape(len(LIMB_STAT_SUMS), -1).T,
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
