"""The tables of an OnBeat database, as SQLAlchemy Core sees them: one MetaData for the
station's SQLite file and the clinic's PostgreSQL server alike.

This is the schema at the newest revision (engine/store/migrations/ builds it step by step,
and is the one place that changes it); the queries of engine/store/sql/ are built from these
tables. Types are the portable ones: Integer and BigInteger (audio frames and host ns pass
2**31), Float (REAL in SQLite, double precision in PostgreSQL), Text, Boolean (0/1 in SQLite).
Judgements, stamp sources and audit actions have no CHECK: their lists grow with the code and
are validated on the way in.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

metadata = MetaData()


def _flag(name: str, **options: object) -> Column:
    # create_constraint=False: the CHECK (name IN (0, 1)) of the SQLite files is the schema's,
    # written by the migrations; this only tells Core to hand out Python bools.
    return Column(name, Boolean(create_constraint=False), **options)


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at_utc", Text, nullable=False),
)

profiles = Table(
    "profiles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("created_at_utc", Text, nullable=False),
    Column("birth_year", Integer),
    Column("avatar", Text),
    Column("archived_at_utc", Text),
    Index("profiles_by_name", "display_name", "archived_at_utc"),
    # Version 12: the last edit (name, avatar, birth year, archiving) and its station; the
    # later edit wins when two stations of a clinic edit one profile.
    Column("modified_at_utc", Text),
    Column("modified_by", Text),
)

session_plans = Table(
    "session_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("profiles.id")),
    Column("title", Text, nullable=False),
    Column("steps_json", Text, nullable=False),
    Column("planned_minutes", Float),
    Column("created_at_utc", Text, nullable=False),
    Column("definition_json", Text),
    Column("source_text", Text),
    Index("session_plans_by_profile", "profile_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("profiles.id"), nullable=False),
    Column("level_id", Text, nullable=False),
    Column("level_title", Text, nullable=False),
    Column("level_path", Text, nullable=False),
    Column("station", Text, nullable=False),
    Column("sample_rate_hz", Integer, nullable=False),
    Column("input_offset_ms", Float, nullable=False),
    Column("output_latency_ms", Float, nullable=False),
    Column("started_at_utc", Text, nullable=False),
    Column("ended_at_utc", Text),
    Column("status", Text, nullable=False),
    Column("plan_id", Integer, ForeignKey("session_plans.id")),
    Column("calibration_json", Text),
    Column("limb_stats_version", Integer),
    Column("audio_device", Text),
    _flag("autoplayed", nullable=False, server_default="0"),
    Column("plan_visit", Integer),
    Column("plan_stop", Integer),
    CheckConstraint("status IN ('running', 'complete', 'incomplete')", name="session_status"),
    Index("sessions_by_profile", "profile_id", "started_at_utc"),
    Index("sessions_by_plan", "plan_id", "plan_visit", "plan_stop"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("task_index", Integer, nullable=False),
    Column("task_name", Text, nullable=False),
    Column("settings_json", Text, nullable=False),
    Column("tempo_bpm_start", Float, nullable=False),
    Column("start_frame", BigInteger, nullable=False),
    Column("tempo_bpm_end", Float),
    PrimaryKeyConstraint("session_id", "task_index"),
)

_OF_TASK = ("session_id", "task_index")
_TASK_KEY = ("tasks.session_id", "tasks.task_index")

beats = Table(
    "beats",
    metadata,
    Column("session_id", Integer, nullable=False),
    Column("task_index", Integer, nullable=False),
    Column("beat_index", Integer, nullable=False),
    Column("limb", Text, nullable=False),
    Column("target_frame", BigInteger, nullable=False),
    _flag("scored", nullable=False),
    Column("tempo_bpm", Float),
    Column("ioi_ms", Float),
    Column("sro_ms", Float),
    Column("good_ms", Float),
    Column("ok_ms", Float),
    PrimaryKeyConstraint("session_id", "task_index", "beat_index"),
    ForeignKeyConstraint(_OF_TASK, _TASK_KEY),
)

taps = Table(
    "taps",
    metadata,
    Column("session_id", Integer, nullable=False),
    Column("task_index", Integer, nullable=False),
    Column("tap_index", Integer, nullable=False),
    Column("channel", Text, nullable=False),
    Column("host_ns", BigInteger, nullable=False),
    Column("stamp_source", Text, nullable=False),
    Column("audio_frame", BigInteger, nullable=False),
    Column("audio_time_s", Float, nullable=False),
    Column("beat_index", Integer),
    Column("asynchrony_ms", Float),
    Column("judgement", Text, nullable=False),
    Column("sro_ms", Float),
    Column("good_ms", Float),
    Column("ok_ms", Float),
    # Version 10: how hard (MIDI velocity) and from which device; NULL for taps from before.
    Column("velocity", Integer),
    Column("device", Text),
    PrimaryKeyConstraint("session_id", "task_index", "tap_index"),
    ForeignKeyConstraint(_OF_TASK, _TASK_KEY),
    # A NULL beat_index (unpaired tap) leaves this key unchecked, in both databases.
    ForeignKeyConstraint(
        (*_OF_TASK, "beat_index"), ("beats.session_id", "beats.task_index", "beats.beat_index")
    ),
    Index("taps_by_beat", "session_id", "task_index", "beat_index"),
)

adaptation_steps = Table(
    "adaptation_steps",
    metadata,
    Column("session_id", Integer, nullable=False),
    Column("task_index", Integer, nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("audio_frame", BigInteger, nullable=False),
    Column("rung", Integer, nullable=False),
    Column("direction", Text, nullable=False),
    Column("tempo_bpm", Float),
    Column("window_ms", Float),
    Column("visual_cue", Text),
    Column("success_rate", Float),
    PrimaryKeyConstraint("session_id", "task_index", "step_index"),
    ForeignKeyConstraint(_OF_TASK, _TASK_KEY),
    CheckConstraint("direction IN ('up', 'down')", name="adaptation_direction"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("profiles.id"), nullable=False),
    Column("session_id", Integer, ForeignKey("sessions.id")),
    Column("written_at_utc", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("body", Text, nullable=False),
    Index("notes_by_session", "session_id", "written_at_utc"),
    Index("notes_by_profile", "profile_id", "written_at_utc"),
)

task_limb_stats = Table(
    "task_limb_stats",
    metadata,
    Column("session_id", Integer, nullable=False),
    Column("task_index", Integer, nullable=False),
    Column("limb", Text, nullable=False),
    *(
        Column(name, Integer, nullable=False)
        for name in ("beats", "paired_taps", "sro_taps", "hits", "early_taps", "late_taps")
    ),
    *(
        Column(name, Float, nullable=False)
        for name in (
            "sum_abs_asynchrony_ms",
            "sum_asynchrony_ms",
            "sum_squared_asynchrony_ms2",
            "sum_cos_phase",
            "sum_sin_phase",
        )
    ),
    PrimaryKeyConstraint("session_id", "task_index", "limb"),
    ForeignKeyConstraint(_OF_TASK, _TASK_KEY),
)

adaptive_positions = Table(
    "adaptive_positions",
    metadata,
    Column("profile_id", Integer, ForeignKey("profiles.id"), nullable=False),
    Column("level_id", Text, nullable=False),
    Column("position", Float, nullable=False),
    Column("updated_at_utc", Text, nullable=False),
    Column("tempo_bpm", Float),
    PrimaryKeyConstraint("profile_id", "level_id"),
)

session_owners = Table(
    "session_owners",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id"), primary_key=True, autoincrement=False),
    Column("host", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("process_started", Text, nullable=False),
)

# No key of its own: the notes of a session are read in the order they were written (the
# row's place in the table, engine/store/sql/connected.py insertion_order).
migration_notes = Table(
    "migration_notes",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("task_index", Integer),
    Column("note", Text, nullable=False),
    Index("migration_notes_by_session", "session_id"),
)

station_settings = Table(
    "station_settings",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at_utc", Text, nullable=False),
)

# Append-only: the database itself refuses to change or delete a row (triggers made by the
# migrations).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at_utc", Text, nullable=False),
    Column("station", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("detail", Text, nullable=False),
)

profile_plans = Table(
    "profile_plans",
    metadata,
    Column("profile_id", Integer, ForeignKey("profiles.id"), primary_key=True, autoincrement=False),
    Column("plan_id", Integer, ForeignKey("session_plans.id"), nullable=False),
    Column("assigned_at_utc", Text, nullable=False),
)


# Version 9: the clinic-wide key of the rows a station makes (a UUID as text), by which a
# clinic's server tells the rows it has from those it lacks.
CLINIC_KEYED = (profiles, sessions, notes, session_plans, audit_log)
# What a session's recording is besides its own row: the rows that travel with it to the
# clinic's server (the progress sums too: they follow from the same taps).
SESSION_PARTS = (tasks, beats, taps, adaptation_steps, migration_notes, task_limb_stats)
for _table in CLINIC_KEYED:
    _table.append_column(Column("uuid", Text))
    Index(f"{_table.name}_by_uuid", _table.c.uuid, unique=True)


# Version 11: what a clinic files and bills beside the recordings (engine/store/sql/chart.py).
# Therapists, signatures and goals are rows a station makes with ids of its own, so they carry
# a clinic-wide key like the rows above. Minutes per code, chart fields and default codes have
# no id: each is keyed by the session or profile it belongs to (which has a UUID) and its
# code, and is replaced whole on every edit, so a UUID of its own would name nothing lasting.
# Sync carries them all (engine/store/clinic/sync/chart.py).

# Never deleted: signatures refer to them. pin_hash: argon2id of a PIN of their own.
therapists = Table(
    "therapists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("credentials", Text, nullable=False),
    Column("npi", Text),
    Column("discipline", Text),
    Column("pin_hash", Text),
    Column("added_at_utc", Text, nullable=False),
    Column("retired_at_utc", Text),
    Column("uuid", Text),
    Index("therapists_by_uuid", "uuid", unique=True),
    # Version 12: when the PIN was last set or cleared (the later one travels).
    Column("pin_set_at_utc", Text),
)

# The minutes as last assigned; position keeps the order the therapist gave them in.
session_minutes = Table(
    "session_minutes",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("therapist_id", Integer, ForeignKey("therapists.id"), nullable=False),
    Column("assigned_at_utc", Text, nullable=False),
    Column("active_seconds", Float),
    PrimaryKeyConstraint("session_id", "code"),
    CheckConstraint("minutes >= 0", name="session_minutes_not_negative"),
)

# Append-only through the store: a correction is signed again, the first stays.
signatures = Table(
    "signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False),
    Column("therapist_id", Integer, ForeignKey("therapists.id"), nullable=False),
    Column("signed_at_utc", Text, nullable=False),
    Column("signed_json", Text, nullable=False),
    Column("uuid", Text),
    Index("signatures_by_session", "session_id"),
    Index("signatures_by_uuid", "uuid", unique=True),
)

# limbs: the limbs' names separated by single spaces (they hold none).
goals = Table(
    "goals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("profiles.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("metric", Text),
    Column("comparison", Text),
    Column("target_value", Float),
    Column("limbs", Text, nullable=False),
    Column("task_name", Text),
    Column("by_date", Text),
    Column("baseline_from", Text, nullable=False),
    Column("therapist_id", Integer, ForeignKey("therapists.id")),
    Column("created_at_utc", Text, nullable=False),
    Column("closed_at_utc", Text),
    Column("closed_reason", Text),
    Column("uuid", Text),
    Index("goals_by_profile", "profile_id"),
    Index("goals_by_uuid", "uuid", unique=True),
)

# diagnosis_codes: the ICD-10 codes separated by single spaces (they hold none).
chart_fields = Table(
    "chart_fields",
    metadata,
    Column("profile_id", Integer, ForeignKey("profiles.id"), primary_key=True, autoincrement=False),
    Column("mrn", Text),
    Column("date_of_birth", Text),
    Column("diagnosis_codes", Text, nullable=False),
    Column("updated_at_utc", Text, nullable=False),
)

default_codes = Table(
    "default_codes",
    metadata,
    Column("profile_id", Integer, ForeignKey("profiles.id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("profile_id", "code"),
    CheckConstraint("percent > 0 AND percent <= 100", name="default_code_percent"),
    # Version 12: when the profile's set was given (every row of a set has the same).
    Column("set_at_utc", Text),
)

CHART_KEYED = (therapists, signatures, goals)

# Version 12: level files published to the clinic (on its server; stations keep copies as files
# in their data folder). sha256 of yaml_text; station: the one that published it.
clinic_levels = Table(
    "clinic_levels",
    metadata,
    Column("level_id", Text, primary_key=True),
    Column("yaml_text", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("published_at_utc", Text, nullable=False),
    Column("station", Text, nullable=False),
)
