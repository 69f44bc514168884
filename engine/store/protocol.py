"""What the rest of OnBeat may ask of a store, whatever keeps the data.

Domain code (sessions, metrics, reports, scenes) takes a ``Store`` and speaks in records
(engine/store/records.py) and columns (engine/store/columns.py); it never sees SQL. The
SQL store of engine/store/sql/ implements it, over a station's SQLite file
(engine/store/sqlite/) or a clinic's PostgreSQL server (engine/store/postgres/);
engine/store/opening.py makes the one in use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from engine.store.chart_records import (
    ChartFields,
    CodeMinutes,
    CodeShare,
    GoalRecord,
    SessionMinutes,
    Signature,
    Therapist,
)
from engine.store.columns import BeatColumns, LimbStatColumns, TapColumns
from engine.store.records import (
    AdaptationStep,
    AdaptivePosition,
    AssignedPlan,
    AuditEntry,
    BeatOnClock,
    BeatRecord,
    MigrationNote,
    Note,
    PlanStep,
    ProfileRecord,
    SessionCounts,
    SessionPlan,
    SessionRecord,
    TapRecord,
    TapWithSession,
    TaskRecord,
)


class StoreError(Exception):
    """The database cannot be used; the message names the file and what to do. The
    subclasses below say why, so that callers (and tests) can tell the causes apart."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer OnBeat than this one: update OnBeat."""


class SchemaTooOldError(StoreError):
    """A read-only command met a database that a write command must upgrade first."""


class StoreLockedError(StoreError):
    """Another program (most likely another OnBeat) holds the database's write lock."""


class StoreReadOnlyError(StoreError):
    """The database or its folder cannot be written (read-only media or permissions)."""


class StoreFullError(StoreError):
    """The disk that holds the database is full; what was committed before is kept."""


class StoreDamagedError(StoreError):
    """The file is not a sound OnBeat database: damaged, truncated, or changed by another
    program (a table missing)."""


class Store(Protocol):
    """An open store. One thread uses it at a time; close it when done. Unknown ids and codes
    raise LookupError naming the store; a record the store refuses raises ValueError."""

    # Where the data is kept, for messages: a station's file, or a clinic server's address
    # without its password.
    path: Path | str
    read_only: bool  # opened for reading only (export, report): every write is refused

    # --- the store itself -----------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """Group writes so they commit together or not at all; nested uses join the outer."""
        ...

    def schema_version(self) -> int: ...

    def is_transient(self, error: Exception) -> bool:
        """Whether ``error`` is of the database as a whole (disk full, I/O, locked), so that
        the records it refused are worth another try, rather than of one record."""
        ...

    def explain(self, error: Exception) -> StoreError | None:
        """What ``error`` (raised by this store) means to the person at the keyboard: a
        StoreError of the fitting kind whose message says what to do, or None when the
        error is not the database's (a bug, a refused record)."""
        ...

    def close(self) -> None: ...

    # --- profiles -------------------------------------------------------------------------
    # A profile is its code: display names may repeat (two children called Mia), so nothing
    # here finds "the" profile of a name; engine/store/profile_choice.py decides what a name
    # typed on the command line means.
    def create_profile(
        self, display_name: str, birth_year: int | None = None, avatar: str | None = None
    ) -> str:
        """Make a new profile with a fresh pseudonymous code, even if the name is taken;
        return the code. ValueError for a blank name or an implausible birth year."""
        ...

    def set_profile_details(
        self, profile_code: str, birth_year: int | None, avatar: str | None
    ) -> None:
        """Set (or clear, with None) a profile's optional birth year and avatar name."""
        ...

    def rename_profile(self, profile_code: str, display_name: str) -> None:
        """Give a profile another display name (its code and data stay)."""
        ...

    def archive_profile(self, profile_code: str, archived_at_utc: str | None = None) -> None:
        """Take a profile off the child's list, keeping its data and code (ValueError if it
        is archived already)."""
        ...

    def list_profiles(self, include_archived: bool = True) -> list[ProfileRecord]:
        """Profiles with their number of sessions and latest session start, by code;
        archived ones only when ``include_archived``."""
        ...

    def active_profiles_named(self, display_name: str) -> list[ProfileRecord]:
        """The profiles not archived whose display name is ``display_name``, oldest first."""
        ...

    def profile(self, profile_code: str) -> ProfileRecord:
        """The profile with this code, archived or not."""
        ...

    # --- sessions -------------------------------------------------------------------------
    def start_session(self, session: SessionRecord) -> int:
        """Record a session (without an id, running, of an existing profile) and return the
        id it was given."""
        ...

    def end_session(self, session_id: int, ended_at_utc: str, status: str) -> None:
        """Close a session as 'complete' or 'incomplete' (ISO 8601 end time)."""
        ...

    def mark_abandoned_sessions_incomplete(self) -> int:
        """Mark 'incomplete' the sessions still 'running' whose recording process is gone (a
        crash, kill -9), keeping their data; a session whose process still runs, here or on
        another computer sharing the folder, is left alone. Opening a store for writing does
        this already. Returns how many were marked."""
        ...

    def list_sessions(
        self,
        profile_code: str | None = None,
        started_from_utc: str | None = None,
        started_before_utc: str | None = None,
    ) -> list[SessionRecord]:
        """Sessions of one profile (or all), optionally those started in [from, before), as
        ISO 8601 UTC strings like the stored ones; oldest first."""
        ...

    def session(self, session_id: int) -> SessionRecord: ...

    def session_counts(self, session_id: int) -> SessionCounts: ...

    # --- what a session produced ----------------------------------------------------------
    def add_task(self, task: TaskRecord) -> None:
        """Store a task; the same task sent again (its end tempo moved) replaces it."""
        ...

    def add_beats(self, beats: Sequence[BeatRecord]) -> None:
        """Store targets; a target laid out anew (after a pause or a tempo change) replaces
        the one stored before."""
        ...

    def add_taps(self, taps: Sequence[TapRecord]) -> None: ...

    def add_beat_columns(self, session_id: int, beats: BeatColumns) -> None:
        """Bulk form of add_beats, for imports and generated data."""
        ...

    def add_tap_columns(self, session_id: int, taps: TapColumns) -> None:
        """Bulk form of add_taps, for imports and generated data."""
        ...

    def add_adaptation_steps(self, steps: Sequence[AdaptationStep]) -> None: ...

    def count_taps(self, session_id: int | None = None) -> int: ...

    def iter_taps(self, session_id: int | None = None) -> Iterator[TapWithSession]:
        """Taps of one session (or of all sessions), in session, task and tap order."""
        ...

    def iter_beats(self, session_id: int | None = None) -> Iterator[BeatOnClock]:
        """Targets of one session (or of all), in session, task and beat order, each with its
        time on the audio clock."""
        ...

    def count_beats(self, session_id: int | None = None) -> int: ...

    def iter_tasks(self, session_id: int | None = None) -> Iterator[TaskRecord]:
        """Tasks of one session (or of all), in session and task order."""
        ...

    def beat_columns(self, session_id: int, names: Sequence[str] | None = None) -> BeatColumns:
        """The session's beats as columns; ``names``: only these columns (the batch then
        lacks the others), for a reader that needs few of them."""
        ...

    def tap_columns(self, session_id: int, names: Sequence[str] | None = None) -> TapColumns:
        """The session's taps as columns; ``names`` as for beat_columns. A progress pass
        reads 6 of the taps' 15 columns: the rest would cost it more than its sums."""
        ...

    def adaptation_steps(self, session_id: int) -> list[AdaptationStep]: ...

    def migration_notes(self, session_id: int) -> list[MigrationNote]:
        """What upgrading the database could not recover for this session (older records
        lack what was in force), the whole session's notes first."""
        ...

    # --- what therapists add --------------------------------------------------------------
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
        ...

    def notes(self, session_id: int | None = None, profile_code: str | None = None) -> list[Note]:
        """Notes about one session, or every note (session or profile) of one profile;
        oldest first."""
        ...

    def add_session_plan(
        self,
        title: str,
        steps: Sequence[PlanStep],
        planned_minutes: float | None = None,
        profile_code: str | None = None,
    ) -> int:
        """Store a plan (levels in order, each played ``repetitions`` times) for one profile,
        or for anyone when ``profile_code`` is None; return its id."""
        ...

    def session_plans(self, profile_code: str | None = None) -> list[SessionPlan]:
        """Plans for anyone, plus those of ``profile_code`` when given; oldest first."""
        ...

    # --- each child's place on adaptive levels --------------------------------------------
    def save_adaptive_position(
        self,
        profile_code: str,
        level_id: str,
        position: float,
        updated_at_utc: str | None = None,
        tempo_bpm: float | None = None,
    ) -> None:
        """Remember where the staircase of ``level_id`` stands for a profile, and the tempo
        the session ended at (replacing what was there)."""
        ...

    def adaptive_position(self, profile_code: str, level_id: str) -> AdaptivePosition | None:
        """The stored staircase position of a profile on a level; None if never stored."""
        ...

    # --- derived progress sums ------------------------------------------------------------
    def sessions_lacking_limb_stats(self, metrics_version: int) -> list[int]:
        """Ended sessions (complete or incomplete) whose limb stats are missing or were
        computed by another metrics version. Running sessions still grow, so they never count."""
        ...

    def replace_limb_stats(
        self, session_ids: Iterable[int], stats: LimbStatColumns, metrics_version: int
    ) -> None:
        """Make ``stats`` the limb stats of ``session_ids`` (all their rows, none left over
        from before), computed by ``metrics_version``."""
        ...

    def mark_limb_stats_stale(self, session_ids: Iterable[int]) -> None:
        """Forget which metrics version computed these sessions' limb stats, so that the next
        refresh computes them again from the taps."""
        ...

    def limb_stats(self, profile_code: str | None = None) -> LimbStatColumns:
        """Limb stats of one profile's sessions (or of all), in session and task order. Call
        engine.metrics.progress.refresh_limb_stats first so that none are missing."""
        ...

    # --- kiosk stations -------------------------------------------------------------------
    def set_station_setting(self, name: str, value: str) -> None:
        """Keep ``value`` under ``name`` for this station (replacing what was there)."""
        ...

    def station_setting(self, name: str) -> str | None:
        """The station's value for ``name``; None if never set."""
        ...

    def add_audit_entry(self, entry: AuditEntry) -> None:
        """Append one line to the audit log. The log is append-only: nothing here changes or
        removes a line, and the database refuses to. ValueError for an unknown action."""
        ...

    def audit_entries(self) -> list[AuditEntry]:
        """Every line of the audit log, oldest first."""
        ...

    def assign_plan(
        self,
        profile_code: str,
        title: str,
        steps: Sequence[PlanStep],
        planned_minutes: float | None,
        definition_json: str,
        source_text: str,
    ) -> int:
        """Store a plan and make it the one ``profile_code`` plays (replacing the one before,
        which stays stored for the sessions played under it); return its id."""
        ...

    def clear_plan(self, profile_code: str) -> bool:
        """Take away the plan of ``profile_code``; whether it had one."""
        ...

    def assigned_plan(self, profile_code: str) -> AssignedPlan | None:
        """The plan ``profile_code`` plays, or None."""
        ...

    def assigned_plans(self) -> list[AssignedPlan]:
        """Every profile's plan, by profile code."""
        ...

    def plan_definition(self, plan_id: int) -> str | None:
        """The validated plan (JSON, engine/session/plans.py reads it) of plan ``plan_id``,
        whether or not a profile plays it now; None for a plan stored without one."""
        ...

    # --- the clinic's chart: therapists, minutes per code, signatures, goals --------------
    def add_therapist(
        self, name: str, credentials: str, npi: str | None = None, discipline: str | None = None
    ) -> Therapist:
        """Register a therapist who signs (engine/billing/people.py checks the fields)."""
        ...

    def therapists(self, include_retired: bool = True) -> list[Therapist]:
        """Therapists in the order they were added."""
        ...

    def therapist(self, therapist_id: int) -> Therapist: ...

    def retire_therapist(self, therapist_id: int, retired_at_utc: str | None = None) -> None:
        """Offer a therapist no more (their signatures stay); ValueError if retired already."""
        ...

    def set_therapist_pin_hash(self, therapist_id: int, pin_hash: str | None) -> None:
        """Keep the hash of a therapist's own PIN (None: take it away)."""
        ...

    def therapist_pin_hash(self, therapist_id: int) -> str | None: ...

    def set_session_minutes(
        self,
        session_id: int,
        lines: Sequence[CodeMinutes],
        therapist_id: int,
        active_seconds: float | None,
        assigned_at_utc: str | None = None,
    ) -> None:
        """Make ``lines`` the session's minutes per code (replacing those before), assigned
        by ``therapist_id`` when the measured active time was ``active_seconds``."""
        ...

    def session_minutes(self, session_id: int) -> SessionMinutes | None:
        """The session's minutes per code as last assigned; None if never assigned."""
        ...

    def add_signature(
        self,
        session_id: int,
        therapist_id: int,
        signed_json: str,
        signed_at_utc: str | None = None,
    ) -> Signature:
        """Append a signature of ``therapist_id`` on what ``signed_json`` says was signed.
        Signatures are never changed or removed; ValueError for a retired therapist."""
        ...

    def signatures(self, session_id: int) -> list[Signature]:
        """A session's signatures, oldest first."""
        ...

    def add_goal(self, goal: GoalRecord) -> GoalRecord:
        """Store a goal (its id and creation time are ignored) and return it as stored."""
        ...

    def goal(self, goal_id: int) -> GoalRecord: ...

    def goals(self, profile_code: str, include_closed: bool = True) -> list[GoalRecord]:
        """A profile's goals in the order they were written."""
        ...

    def close_goal(self, goal_id: int, reason: str, closed_at_utc: str | None = None) -> None:
        """Close a goal as met, discontinued or revised (ValueError if closed already)."""
        ...

    def set_chart_fields(
        self,
        profile_code: str,
        mrn: str | None,
        date_of_birth: str | None,
        diagnosis_codes: Sequence[str],
    ) -> None:
        """Keep a profile's chart fields (checked by engine/billing/chart_fields.py)."""
        ...

    def chart_fields(self, profile_code: str) -> ChartFields | None: ...

    def set_default_codes(self, profile_code: str, shares: Sequence[CodeShare]) -> None:
        """Make ``shares`` the codes a profile's active minutes go to unless the therapist
        says otherwise (their percents add up to 100; empty: none)."""
        ...

    def default_codes(self, profile_code: str) -> list[CodeShare]: ...
