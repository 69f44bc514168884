"""What a report says, before it is laid out: the numbers of a session or a profile with the
labels and formats every output (HTML, PDF, CSV, JSON) shares, so they cannot disagree.

Times are stored in UTC and shown in the local time zone of the machine making the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engine.billing.units import units_for_timed_minutes
from engine.metrics.progress import (
    ASSESSMENT_LEVEL_IDS,
    AssessmentTable,
    LimbPoint,
    ProfileProgress,
    profile_progress,
)
from engine.metrics.task import SessionMetrics, TaskMetrics, session_metrics
from engine.store.protocol import Store
from engine.store.records import (
    AUDIO_SILENT,
    SESSION_COMPLETE,
    SESSION_INCOMPLETE,
    AdaptationStep,
    MigrationNote,
    Note,
    ProfileRecord,
    SessionRecord,
)

# A session's minutes as one timed service: 0 below 8, 1 for 8–22, 2 for 23–37 (the CMS
# 8-minute rule; engine.billing.units is the one place that counts units).
billing_units = units_for_timed_minutes


def local_time(utc_iso: str) -> datetime:
    return datetime.fromisoformat(utc_iso).astimezone()


def local_day_bounds_utc(
    from_date: date | None, to_date: date | None
) -> tuple[str | None, str | None]:
    """The UTC instants (ISO, as stored) of local midnight on ``from_date`` and of the midnight
    after ``to_date``: the range [from, before) that holds both days whole."""

    def midnight_utc(day: date) -> str:
        local_midnight = datetime.combine(day, time()).astimezone()  # naive: local time
        return local_midnight.astimezone(UTC).isoformat(timespec="seconds")

    start = midnight_utc(from_date) if from_date else None
    before = midnight_utc(to_date + timedelta(days=1)) if to_date else None
    return start, before


# --- formatting ---------------------------------------------------------------------------
def _number(digits: int) -> Callable[[object], str]:
    def show(value: object) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        return f"{value:.{digits}f}"

    return show


def _signed(digits: int) -> Callable[[object], str]:
    def show(value: object) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        return f"{value:+.{digits}f}".replace("-", "−")

    return show


def _p_value(value: object) -> str:
    if not isinstance(value, float) or not math.isfinite(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _bpm(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _tempo_range(value: object) -> str:
    """A task's tempo: one number when it held, "slowest–fastest" when it adapted."""
    slowest, fastest = value  # type: ignore[misc]
    if not (math.isfinite(slowest) and math.isfinite(fastest)):
        return "–"
    if _bpm(slowest) == _bpm(fastest):
        return _bpm(slowest)
    return f"{_bpm(slowest)}–{_bpm(fastest)}"


def _limb(value: object) -> str:
    limbs = str(value).split("/")
    if len(limbs) > 2:  # a whole session's pooled row: the tasks above name them
        return f"{len(limbs)} limbs"
    return " / ".join(limb.replace("_", " ") for limb in limbs)


@dataclass(frozen=True)
class Column:
    key: str  # the field of TaskMetrics / LimbPoint, and the JSON/CSV name
    label: str
    show: Callable[[object], str]
    numeric: bool = True


TASK_COLUMNS: tuple[Column, ...] = (
    Column("task_number", "#", str),
    Column("task_name", "Task", str, numeric=False),
    Column("limb", "Limb", _limb, numeric=False),
    Column("tempo_bpm_range", "bpm", _tempo_range),
    Column("beats", "Beats", _number(0)),
    Column("paired_taps", "Taps", _number(0)),
    Column("missed_beats", "Miss", _number(0)),
    Column("extra_taps", "Extra", _number(0)),
    Column("task_average_ms", "Task Avg ms", _number(1)),
    Column("sro_percent", "SRO %", _number(0)),
    Column("early_percent", "Early %", _number(0)),
    Column("late_percent", "Late %", _number(0)),
    Column("longest_burst", "Burst", _number(0)),
    Column("mean_asynchrony_ms", "Mean ms", _signed(1)),
    Column("sd_asynchrony_ms", "SD ms", _number(1)),
    Column("circular_r", "R", _number(2)),
    Column("rayleigh_p", "Rayl. p", _p_value),
    Column("iti_cv", "ITI CV", _number(3)),
)
# Keys of TaskMetrics that JSON and CSV carry beside the columns above.
EXTRA_TASK_KEYS: tuple[str, ...] = (
    "task_index",
    "tempo_bpm_min",
    "tempo_bpm_max",
    "ioi_ms",
    "sro_window_ms",
    "hits",
    "hit_rate",
    "early_taps",
    "late_taps",
    "mean_phase_ms",
    "circular_sd_ms",
    "rayleigh_z",
    "iti_mean_ms",
    "iti_sd_ms",
)
PROGRESS_COLUMNS: tuple[Column, ...] = (
    Column("started_at_utc", "Date", lambda v: local_time(str(v)).strftime("%Y-%m-%d"), False),
    Column("level_id", "Level", str, numeric=False),
    Column("paired_taps", "Taps", _number(0)),
    Column("task_average_ms", "Task Avg ms", _number(1)),
    Column("sro_percent", "SRO %", _number(0)),
    Column("mean_asynchrony_ms", "Mean ms", _signed(1)),
    Column("sd_asynchrony_ms", "SD ms", _number(1)),
    Column("circular_r", "R", _number(2)),
)
SHOW_MS = _number(1)
SHOW_PERCENT = _number(0)
SHOW_CHANGE_MS = _signed(1)
SHOW_CHANGE_PERCENT = _signed(0)


def cells(row: object, columns: Sequence[Column]) -> list[str]:
    return [column.show(getattr(row, column.key)) for column in columns]


# --- the session report -------------------------------------------------------------------
@dataclass(frozen=True)
class SessionHeader:
    profile_code: str
    level: str
    status: str
    date: str
    start: str
    end: str
    minutes: int | None
    minutes_note: str | None  # why minutes are estimated or missing
    billing_units: int | None
    station: str
    calibration: str
    sound: str = "not recorded"  # the sound output, "silent", or that it was not recorded

    def rows(self) -> list[tuple[str, str]]:
        minutes = "–" if self.minutes is None else str(self.minutes)
        if self.minutes_note:
            minutes += f" ({self.minutes_note})"
        units = "–" if self.billing_units is None else str(self.billing_units)
        return [
            ("Profile", self.profile_code),
            ("Date", self.date),
            ("Start – end", f"{self.start} – {self.end}"),
            ("Minutes", minutes),
            ("15-minute units", units),
            ("Level", self.level),
            ("Status", self.status),
            ("Station", self.station),
            ("Calibration", self.calibration),
            ("Sound", self.sound),
        ]


def _calibration_text(session: SessionRecord) -> str:
    offsets = (
        f"input offset {session.input_offset_ms:.1f} ms, "
        f"output latency {session.output_latency_ms:.1f} ms"
    )
    calibration = session.calibration
    if calibration is None:
        return f"{offsets}; how they were set was not recorded"
    visual = f"visual offset {calibration.visual_offset_ms:.1f} ms"
    if calibration.calibrated_at_utc is None:
        return f"{offsets}, {visual}; defaults, never measured on this station"
    measured = local_time(calibration.calibrated_at_utc).strftime("%Y-%m-%d")
    return f"{offsets}, {visual}; measured {measured} ({calibration.method})"


def _sound_text(session: SessionRecord) -> str:
    """Where the session's metronome was heard, and whether a child or the program played."""
    if session.audio_device is None:
        sound = "not recorded"
    elif session.audio_device == AUDIO_SILENT:
        sound = "silent (the therapist chose to play without sound)"
    else:
        sound = session.audio_device
    if session.autoplayed:
        sound += "; played by the program itself (autoplay), not by the child"
    return sound


def session_seconds(
    session: SessionRecord, last_tap_s: float | None
) -> tuple[float | None, str | None]:
    """Seconds from start to end; for a session that ended without an end time (a crash),
    from the start to its last recorded tap, marked as estimated."""
    if session.ended_at_utc is not None:
        seconds = (
            datetime.fromisoformat(session.ended_at_utc)
            - datetime.fromisoformat(session.started_at_utc)
        ).total_seconds()
        return max(0.0, seconds), None
    if last_tap_s is None:
        return None, "no end time and no taps"
    return last_tap_s, "estimated from the last tap; no end time"


def session_minutes(
    session: SessionRecord, last_tap_s: float | None
) -> tuple[int | None, str | None]:
    """Whole minutes (started minutes not counted) of ``session_seconds``."""
    seconds, note = session_seconds(session, last_tap_s)
    return (None if seconds is None else int(seconds // 60)), note


def reported_status(session: SessionRecord, tap_count: int) -> str:
    """The session's status for a report: a session with no taps is never complete (an older
    OnBeat marked a level that ran to its end untouched as complete)."""
    if tap_count == 0 and session.status == SESSION_COMPLETE:
        return SESSION_INCOMPLETE
    return session.status


def status_shown(session: SessionRecord, tap_count: int) -> str:
    """``reported_status`` in words, saying when there were no taps."""
    status = reported_status(session, tap_count)
    return f"{status} (no taps)" if tap_count == 0 and status == SESSION_INCOMPLETE else status


def session_header(
    session: SessionRecord, last_tap_s: float | None, tap_count: int
) -> SessionHeader:
    start = local_time(session.started_at_utc)
    minutes, note = session_minutes(session, last_tap_s)
    end = (
        "–" if session.ended_at_utc is None else local_time(session.ended_at_utc).strftime("%H:%M")
    )
    return SessionHeader(
        profile_code=session.profile_code,
        level=f"{session.level_title} ({session.level_id})",
        status=status_shown(session, tap_count),
        date=start.strftime("%Y-%m-%d (%a)"),
        start=start.strftime("%H:%M %Z"),
        end=end,
        minutes=minutes,
        minutes_note=note,
        billing_units=None if minutes is None else billing_units(minutes),
        station=session.station,
        calibration=_calibration_text(session),
        sound=_sound_text(session),
    )


@dataclass(frozen=True)
class SessionReport:
    metrics: SessionMetrics
    header: SessionHeader
    notes: tuple[Note, ...]
    adaptation_steps: tuple[AdaptationStep, ...]
    tap_count: int  # every tap recorded, scored or not
    record_gaps: tuple[MigrationNote, ...] = ()  # what an older OnBeat did not record

    @property
    def status(self) -> str:
        return reported_status(self.session, self.tap_count)

    @property
    def session(self) -> SessionRecord:
        return self.metrics.session

    @property
    def tasks(self) -> tuple[TaskMetrics, ...]:
        return self.metrics.tasks

    @property
    def overall(self) -> TaskMetrics:
        return self.metrics.overall

    def research_lines(self) -> list[str]:
        """Continuation-phase findings per task, in words."""
        lines = []
        for task in self.tasks:
            continuation = task.continuation
            if continuation is None:
                continue
            model = continuation.wing_kristofferson
            if model.reason is None:
                wk = (
                    f"Wing–Kristofferson: clock SD {math.sqrt(model.clock_variance_ms2):.1f} ms, "
                    f"motor SD {math.sqrt(model.motor_variance_ms2):.1f} ms "
                    f"(ρ(1) = {model.lag1_autocorrelation:+.2f})"
                )
            else:
                wk = f"Wing–Kristofferson not reported: {model.reason}"
            lines.append(
                f"{task.task_name} — continuation without the metronome: "
                f"{continuation.paired_taps} taps, ITI {SHOW_MS(continuation.iti_mean_ms)} ms, "
                f"CV {_number(3)(continuation.iti_cv)}, drift "
                f"{_signed(2)(continuation.drift_ms_per_tap)} ms/tap. {wk}."
            )
        return lines

    def record_gap_lines(self) -> list[str]:
        """What this session's record lacks (it was played by an older OnBeat), in words."""
        return [
            ("Whole session" if gap.task_index is None else f"Task {gap.task_index + 1}")
            + f": {gap.note}."
            for gap in self.record_gaps
        ]

    def adaptation_line(self) -> str | None:
        if not self.adaptation_steps:
            return None
        up = sum(step.direction == "up" for step in self.adaptation_steps)
        return (
            f"Difficulty changed {len(self.adaptation_steps)} times "
            f"({up} harder, {len(self.adaptation_steps) - up} easier)."
        )


def session_report(store: Store, session_id: int) -> SessionReport:
    """Everything a session report shows. LookupError for an unknown session."""
    metrics = session_metrics(store, session_id)
    tap_times = [t.tap_time_ms.max() for t in metrics.task_taps if t.tap_time_ms.size]
    last_tap_s = max(tap_times) / 1000.0 if tap_times else None
    tap_count = store.session_counts(session_id).tap_count
    return SessionReport(
        metrics=metrics,
        header=session_header(metrics.session, last_tap_s, tap_count),
        notes=tuple(store.notes(session_id=session_id)),
        adaptation_steps=tuple(store.adaptation_steps(session_id)),
        tap_count=tap_count,
        record_gaps=tuple(store.migration_notes(session_id)),
    )


# --- the progress report ------------------------------------------------------------------
@dataclass(frozen=True)
class ProgressReport:
    profile: ProfileRecord
    progress: ProfileProgress
    from_date: date | None
    to_date: date | None
    session_seconds: tuple[float | None, ...]  # per session of progress.sessions
    tap_counts: tuple[int, ...]  # per session of progress.sessions
    # About the profile, and about the sessions in the period; oldest first.
    notes: tuple[Note, ...]

    @property
    def session_minutes(self) -> tuple[int | None, ...]:
        """Whole minutes per session, as its row and its billing units count them."""
        return tuple(None if s is None else int(s // 60) for s in self.session_seconds)

    def statuses(self, shown: bool = True) -> tuple[str, ...]:
        """Each session's status as a report gives it: in words (``shown``) or the value."""
        status_of = status_shown if shown else reported_status
        return tuple(
            status_of(session, taps)
            for session, taps in zip(self.progress.sessions, self.tap_counts, strict=True)
        )

    def note_about(self, note: Note) -> str:
        """What a note is about: the profile, or which session."""
        if note.session_id is None:
            return "about the profile"
        session = next(s for s in self.progress.sessions if s.session_id == note.session_id)
        day = local_time(session.started_at_utc).strftime("%Y-%m-%d")
        return f"session {session.session_id}, {day}, {session.level_title}"

    @property
    def assessment(self) -> AssessmentTable | None:
        return self.progress.assessment

    @property
    def period(self) -> str:
        sessions = self.progress.sessions
        first = self.from_date or (
            local_time(sessions[0].started_at_utc).date() if sessions else None
        )
        last = self.to_date or (
            local_time(sessions[-1].started_at_utc).date() if sessions else None
        )
        return f"{first or '–'} to {last or '–'}"

    @property
    def total_minutes(self) -> int:
        """The sessions' exact durations summed, then rounded to the nearest minute (rounding
        each first would lose up to a minute per session)."""
        seconds = sum(s for s in self.session_seconds if s is not None)
        return math.floor(seconds / 60.0 + 0.5)

    @property
    def total_units(self) -> int:
        return sum(billing_units(m) for m in self.session_minutes if m is not None)

    def session_rows(self) -> list[tuple[SessionRecord, str, LimbPoint | None, int | None]]:
        """Per session: the record, its status as shown, its pooled point, its minutes."""
        point_of = {point.session_id: point for point in self.progress.overall}
        return [
            (session, status, point_of.get(session.session_id), minutes)
            for session, status, minutes in zip(
                self.progress.sessions, self.statuses(), self.session_minutes, strict=True
            )
        ]


def progress_report(
    store: Store,
    profile_code: str,
    from_date: date | None = None,
    to_date: date | None = None,
    assessment_level_ids: Sequence[str] = ASSESSMENT_LEVEL_IDS,
) -> ProgressReport:
    """Everything a progress report shows for sessions started on local dates from..to
    (inclusive). LookupError for an unknown profile."""
    profile = store.profile(profile_code)
    started_from, started_before = local_day_bounds_utc(from_date, to_date)
    progress = profile_progress(
        store, profile_code, started_from, started_before, assessment_level_ids
    )
    seconds = tuple(session_seconds(s, None)[0] for s in progress.sessions)
    tap_counts = tuple(store.session_counts(s.session_id).tap_count for s in progress.sessions)
    in_period = {s.session_id for s in progress.sessions}
    notes = tuple(
        note
        for note in store.notes(profile_code=profile_code)
        if note.session_id is None or note.session_id in in_period
    )
    return ProgressReport(profile, progress, from_date, to_date, seconds, tap_counts, notes)


# --- rows shared by the HTML and PDF layouts ------------------------------------------------
def key_figures(overall: TaskMetrics) -> list[tuple[str, str]]:
    """The few numbers a reader looks at first, as (value, label)."""
    return [
        (f"{SHOW_MS(overall.task_average_ms)} ms", "Task Average"),
        (f"{SHOW_PERCENT(overall.sro_percent)} %", "SRO (super right-on)"),
        (f"{overall.paired_taps} / {overall.beats}", "taps on beats"),
        (f"{SHOW_CHANGE_MS(overall.mean_asynchrony_ms)} ms", "mean asynchrony"),
        (f"{SHOW_MS(overall.sd_asynchrony_ms)} ms", "SD of asynchrony"),
        (str(overall.longest_burst), "longest SRO burst"),
    ]


def progress_header_rows(report: ProgressReport) -> list[tuple[str, str]]:
    profile = report.profile
    rows = [("Profile", profile.code), ("Period", report.period)]
    if profile.archived:
        archived = local_time(str(profile.archived_at_utc)).strftime("%Y-%m-%d")
        rows.append(("Archived", archived))
    if profile.birth_year is not None:
        rows.append(("Birth year", str(profile.birth_year)))
    rows += [
        ("Sessions", str(len(report.progress.sessions))),
        ("Minutes", str(report.total_minutes)),
        ("15-minute units", str(report.total_units)),
    ]
    return rows


def limb_rows(report: ProgressReport) -> list[list[str]]:
    rows = []
    for limb in report.progress.limbs:
        # The same two sessions as the change: the first and latest with taps of this limb.
        first, latest = limb.first, limb.latest
        if first is None or latest is None:
            rows.append([_limb(limb.limb), str(len(limb.points)), *["–"] * 6])
            continue
        rows.append(
            [
                _limb(limb.limb),
                str(len(limb.points)),
                SHOW_MS(first.task_average_ms),
                SHOW_MS(latest.task_average_ms),
                SHOW_CHANGE_MS(limb.task_average_change_ms),
                SHOW_PERCENT(first.sro_percent),
                SHOW_PERCENT(latest.sro_percent),
                SHOW_CHANGE_PERCENT(limb.sro_change_points),
            ]
        )
    return rows


def assessment_labels(table: AssessmentTable) -> list[str]:
    """'Baseline 03-02' ... for the columns that have a session."""
    labels = []
    for name, session in (("Baseline", table.baseline), ("Mid", table.mid), ("End", table.end)):
        day = "–" if session is None else local_time(session.started_at_utc).strftime("%Y-%m-%d")
        labels.append(f"{name} {day}")
    return labels


def assessment_rows(table: AssessmentTable | None) -> list[list[str]]:
    if table is None:
        return []
    return [
        [
            row.task_name,
            *(SHOW_MS(value) for value in row.task_average_ms),
            SHOW_CHANGE_MS(row.task_average_change_ms),
            SHOW_CHANGE_PERCENT(row.task_average_change_percent),
            *(SHOW_PERCENT(value) for value in row.sro_percent),
            SHOW_CHANGE_PERCENT(row.sro_change_points),
        ]
        for row in (*table.rows, table.overall)
    ]


def session_table_rows(report: ProgressReport) -> list[list[str]]:
    rows = []
    for session, status, point, minutes in report.session_rows():
        rows.append(
            [
                local_time(session.started_at_utc).strftime("%Y-%m-%d %H:%M"),
                session.level_title,
                status,
                "–" if minutes is None else str(minutes),
                "–" if minutes is None else str(billing_units(minutes)),
                "–" if point is None else str(point.paired_taps),
                "–" if point is None else SHOW_MS(point.task_average_ms),
                "–" if point is None else SHOW_PERCENT(point.sro_percent),
            ]
        )
    return rows


def footer_text(versions: str = "") -> str:
    """The report's small print; ``versions`` (engine/reports/versions.py) names the OnBeat
    and the level versions it used."""
    made = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (f"{versions}. " if versions else "") + (
        f"Made by OnBeat on {made}. Times are local to the machine that made this report. "
        "Asynchrony is tap − beat: negative is early. Profiles are pseudonymous codes."
    )
