"""The records OnBeat keeps: one frozen dataclass per kind, the same for writing and reading.

A record's fields are its columns. Everything that needs a column list (the SQL, the columnar
batches in engine/store/columns.py, exports, tests) takes it from here through
``field_names``; nobody spells one out again.

Times are on two clocks: ``host_ns`` is CLOCK_MONOTONIC (``time.perf_counter_ns()`` on
Linux) when the tap happened; ``audio_frame`` is the same instant on the audio clock (sample
frames handed to the output device, output latency removed). Wall-clock instants are ISO 8601
strings in UTC, as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

# How a tap's host time was obtained, stored per tap (`stamp_source` column).
STAMP_X11_SERVER = "x11_server"  # X server's own event time (XInput2 raw event)
STAMP_POLLED = "polled"  # midpoint of the 1 kHz poll interval that saw the SDL event
STAMP_SCRIPTED = "scripted"  # the test/demo harness knew the exact time
STAMP_EVDEV = "evdev"  # the Linux kernel's stamp of the input event (CLOCK_MONOTONIC, µs)
STAMP_MIDI = "midi"  # the MIDI driver's stamp (ALSA sequencer queue time), mapped to our clock

# "unscored": count-in taps and taps between tasks, recorded but never judged.
JUDGEMENTS: tuple[str, ...] = ("sro", "good", "ok", "off", "extra", "unscored")

SESSION_RUNNING = "running"
SESSION_COMPLETE = "complete"
SESSION_INCOMPLETE = "incomplete"
# A session's audio_device when a therapist chose to play without sound.
AUDIO_SILENT = "silent"


# The longest display name of a profile: a first name or nickname on a menu button. The code,
# not the name, identifies the child; a longer text is a mistake (a pasted note, a path).
MAX_PROFILE_NAME_CHARS = 40


def profile_name_problem(display_name: str) -> str | None:
    """What is wrong with ``display_name`` as a profile's name, or None if it will do."""
    if not display_name.strip():
        return "a profile needs a name that is not blank"
    if len(display_name) > MAX_PROFILE_NAME_CHARS:
        return (
            f"a profile name has at most {MAX_PROFILE_NAME_CHARS} characters, not "
            f"{len(display_name)}; use a first name or a nickname"
        )
    if not display_name.isprintable():
        return "a profile name is one line of plain text (no tabs or line breaks)"
    return None


def field_names(record_type: type) -> tuple[str, ...]:
    """The fields of a record type, in order: its columns."""
    return tuple(field.name for field in fields(record_type))


@dataclass(frozen=True)
class ProfileRecord:
    """A child, known by a pseudonymous code. The display name is for the menus and need not
    be unique (two children may both be Mia): children tell profiles apart by avatar,
    therapists also by code. An archived profile keeps its data but leaves the child's list."""

    profile_id: int
    code: str
    display_name: str
    birth_year: int | None
    avatar: str | None
    created_at_utc: str
    session_count: int
    last_session_started_at_utc: str | None
    archived_at_utc: str | None = None  # None: in use

    @property
    def archived(self) -> bool:
        return self.archived_at_utc is not None


@dataclass(frozen=True)
class SessionCalibration:
    """The timing calibration a session was played with, beside the input offset and output
    latency that every session records."""

    visual_offset_ms: float
    calibrated_at_utc: str | None  # when the offsets were measured; None: defaults were used
    method: str  # how they were obtained, e.g. "tap test" or "defaults"


# kw_only: the fields are in the order of the sessions export (docs/data.md), which puts
# fields with defaults among those without.
@dataclass(frozen=True, kw_only=True)
class SessionRecord:
    """One play of a level. Written when play starts (running, without an id, for a profile
    that exists) and read back with the id the store gave it, its end and its status."""

    session_id: int | None = None  # None until stored
    profile_code: str
    level_id: str
    level_title: str
    level_path: str
    status: str = SESSION_RUNNING
    started_at_utc: str
    ended_at_utc: str | None = None  # None while running and after a crash
    station: str
    sample_rate_hz: int
    input_offset_ms: float
    output_latency_ms: float
    calibration: SessionCalibration | None = None  # None: not recorded (an older OnBeat)
    plan_id: int | None = None  # the session plan it was played in
    # Where the metronome was heard: the output device's name, AUDIO_SILENT when a therapist
    # chose to play without sound, None when not recorded (an older OnBeat).
    audio_device: str | None = None
    # Played by the program itself (the demo, a level previewed with --autoplay): kept and
    # marked, but never counted in a child's progress or rewards.
    autoplayed: bool = False
    # Which run of that plan (1 = the child's first) and which stop of the run (0-based); None
    # outside a plan. A kiosk run of a plan is several sessions, one per level.
    plan_visit: int | None = None
    plan_stop: int | None = None
    # The session's clinic-wide key (a UUID), made by the station that recorded it: the same
    # on the station and on the clinic's server, where session_id is each database's own.
    session_uuid: str | None = None  # None until stored


@dataclass(frozen=True)
class SessionCounts:
    """What was recorded of one session."""

    task_count: int
    beat_count: int
    tap_count: int
    paired_tap_count: int


# kw_only: settings_json is last (it is long), as in the tasks export.
@dataclass(frozen=True, kw_only=True)
class TaskRecord:
    """One task of a session, with the task and level settings as played. Sent again when a
    tempo change moves its last beats (the store keeps the latest)."""

    session_id: int
    task_index: int
    task_name: str
    tempo_bpm_start: float  # at its first beat
    tempo_bpm_end: float  # at its last beat (as laid out: planned until the task ends)
    start_frame: int
    settings_json: str  # the task and level settings as played, snapshotted


@dataclass(frozen=True)
class BeatRecord:
    """One tap target (an `x` step) of a task, with what was in force for it: the tempo, the
    interval between steps there (ms; the beat interval at one step a beat) and the judgement
    windows. Windows are None only where an older OnBeat did not record them and they could
    not be recovered (engine/store/migrations/, docs/data.md)."""

    session_id: int
    task_index: int
    beat_index: int
    limb: str
    target_frame: int
    tempo_bpm: float
    ioi_ms: float
    sro_ms: float | None
    good_ms: float | None
    ok_ms: float | None
    scored: bool = True  # False: laid out but not judged (no shipped level has such targets)


@dataclass(frozen=True)
class TapRecord:
    """One tap as it was judged: when, on which channel, and against which target."""

    session_id: int
    task_index: int
    tap_index: int
    channel: str
    host_ns: int
    stamp_source: str
    audio_frame: int
    audio_time_s: float
    beat_index: int | None  # None for taps that paired with no target
    asynchrony_ms: float | None
    judgement: str  # one of JUDGEMENTS
    # The windows it was judged with (its target's); None when it paired with no target.
    sro_ms: float | None
    good_ms: float | None
    ok_ms: float | None
    # How hard (MIDI note velocity, 1-127); None where the device does not say.
    velocity: int | None = None
    # The device it came from, as its back-end names it (docs/hardware.md); None: not recorded
    # (an older OnBeat).
    device: str | None = None


@dataclass(frozen=True)
class BeatOnClock:
    """A stored target with its time on the audio clock in seconds, as the beats export has
    it (target_frame over the session's sample rate)."""

    beat: BeatRecord
    audio_time_s: float


@dataclass(frozen=True)
class TapWithSession:
    """A stored tap with the facts of its session that an export puts beside it."""

    tap: TapRecord
    profile_code: str
    level_id: str
    session_started_at_utc: str
    station: str  # where the session was played
    session_uuid: str  # the session's clinic-wide key (SessionRecord.session_uuid)


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
    tempo_bpm: float | None = None  # the tempo the session ended at (None: not recorded)


@dataclass(frozen=True)
class Note:
    """A therapist's note; never edited (a correction is a new note)."""

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


@dataclass(frozen=True)
class MigrationNote:
    """What an upgrade of the database could not recover for a session (or one of its
    tasks), in words for a therapist."""

    session_id: int
    task_index: int | None  # None: the whole session
    note: str


@dataclass(frozen=True)
class AssignedPlan:
    """The plan a profile plays at the kiosk: its stored row of session_plans and the plan
    file it was made from. Reassigning stores a new plan, so sessions keep pointing at the
    one they were played under."""

    plan_id: int
    profile_code: str
    title: str
    definition_json: str  # the validated plan (engine/session/plans.py reads it)
    source_text: str  # the YAML file as the therapist wrote it
    assigned_at_utc: str


# What the audit log records. Validated on the way in, like judgements, since the list grows.
AUDIT_ACTIONS: tuple[str, ...] = (
    "pin_set",  # the station's therapist PIN was set or changed
    "unlocked",  # the right PIN was entered
    "pin_failed",  # a wrong PIN
    "locked_out",  # too many wrong PINs: the pad waits
    "locked",  # the therapist screens closed again (by hand or after idle minutes)
    "quit",  # the kiosk station was stopped
    "settings",  # station settings changed
    "plans",  # a plan given to a profile, or taken away
    "profiles",  # a profile added or changed
    "report_saved",  # a report written to a file
    "export_saved",  # an export of recorded data written to a file
    "minutes_billed",  # a session's minutes per billing code given or changed
    "signed",  # a therapist signed a session's minutes and notes
)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the station's append-only audit log: who could do what, when."""

    at_utc: str
    station: str
    action: str  # one of AUDIT_ACTIONS
    detail: str


TAP_FIELDS = field_names(TapRecord)
BEAT_FIELDS = field_names(BeatRecord)
TASK_FIELDS = field_names(TaskRecord)
SESSION_FIELDS = field_names(SessionRecord)
ADAPTATION_STEP_FIELDS = field_names(AdaptationStep)
AUDIT_FIELDS = field_names(AuditEntry)
