"""Files that the OnBeat of the hand-written migrations brought past the last release before
Alembic: its migration 9 (taps' velocity and device) and 10 (the clinic's chart tables) came
while the Alembic chain gave version 9 to the clinic-wide keys. Such a file says 9 or 10 yet
lacks those keys; it must upgrade to the newest schema with every row kept, its chart rows
keyed too (engine/store/migrations/runner.py, LAST_VERSION_BEFORE_ALEMBIC)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.store.chart_records import CodeShare
from engine.store.migrations.runner import LAST_VERSION_BEFORE_ALEMBIC, newest_version
from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.records_factory import make_database_of_schema

# As that OnBeat shipped them (engine/store/sqlite/schema.py and chart.py of its day).
INTERIM_MIGRATIONS: dict[int, tuple[str, ...]] = {
    9: (
        "ALTER TABLE taps ADD COLUMN velocity INTEGER",
        "ALTER TABLE taps ADD COLUMN device TEXT",
    ),
    10: (
        """CREATE TABLE therapists (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
        credentials TEXT NOT NULL, npi TEXT, discipline TEXT, pin_hash TEXT,
        added_at_utc TEXT NOT NULL, retired_at_utc TEXT)""",
        """CREATE TABLE session_minutes (session_id INTEGER NOT NULL REFERENCES sessions (id),
        code TEXT NOT NULL, minutes INTEGER NOT NULL CHECK (minutes >= 0),
        position INTEGER NOT NULL, therapist_id INTEGER NOT NULL REFERENCES therapists (id),
        assigned_at_utc TEXT NOT NULL, active_seconds REAL, PRIMARY KEY (session_id, code))""",
        """CREATE TABLE signatures (id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        therapist_id INTEGER NOT NULL REFERENCES therapists (id),
        signed_at_utc TEXT NOT NULL, signed_json TEXT NOT NULL)""",
        "CREATE INDEX signatures_by_session ON signatures (session_id)",
        """CREATE TABLE goals (id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles (id), text TEXT NOT NULL, metric TEXT,
        comparison TEXT, target_value REAL, limbs TEXT NOT NULL, task_name TEXT, by_date TEXT,
        baseline_from TEXT NOT NULL, therapist_id INTEGER REFERENCES therapists (id),
        created_at_utc TEXT NOT NULL, closed_at_utc TEXT, closed_reason TEXT)""",
        "CREATE INDEX goals_by_profile ON goals (profile_id)",
        """CREATE TABLE chart_fields (profile_id INTEGER PRIMARY KEY REFERENCES profiles (id),
        mrn TEXT, date_of_birth TEXT, diagnosis_codes TEXT NOT NULL,
        updated_at_utc TEXT NOT NULL)""",
        """CREATE TABLE default_codes (profile_id INTEGER NOT NULL REFERENCES profiles (id),
        code TEXT NOT NULL, percent INTEGER NOT NULL CHECK (percent > 0 AND percent <= 100),
        position INTEGER NOT NULL, PRIMARY KEY (profile_id, code))""",
    ),
}
AT = "2026-02-02T10:00:00+00:00"


def _interim_file(data_dir: Path, version: int) -> Path:
    """A file of that OnBeat at ``version`` (9 or 10), with a session of two taps and, at
    10, a therapist who assigned minutes, signed them and wrote a goal."""
    make_database_of_schema(data_dir, LAST_VERSION_BEFORE_ALEMBIC)
    path = data_dir / DATABASE_FILE_NAME
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    for number in range(LAST_VERSION_BEFORE_ALEMBIC + 1, version + 1):
        for statement in INTERIM_MIGRATIONS[number]:
            connection.execute(statement)
        connection.execute("INSERT INTO schema_version VALUES (?, ?)", (number, AT))
    connection.execute(
        "INSERT INTO profiles (code, display_name, created_at_utc) VALUES ('P-ROBIN2', 'Robin', ?)",
        (AT,),
    )
    connection.execute(
        "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
        "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
        "status) VALUES (1, 'frog-hop', 'Frog Hop', 'levels/frog-hop.yaml', 'room-2', 48000, "
        "12.5, 23.25, ?, ?, 'complete')",
        (AT, AT),
    )
    connection.execute(
        "INSERT INTO tasks (session_id, task_index, task_name, settings_json, tempo_bpm_start, "
        "start_frame) VALUES (1, 0, 'hop', '{}', 100, 0)"
    )
    connection.executemany(
        "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, stamp_source, "
        "audio_frame, audio_time_s, judgement, velocity, device) "
        "VALUES (1, 0, ?, 'left_hand', ?, 'midi', ?, 1.0, 'extra', ?, ?)",
        [(0, 5_000_000_000, 48_000, 101, "TD-17"), (1, 5_500_000_000, 72_000, None, None)],
    )
    if version >= 10:
        connection.execute(
            "INSERT INTO therapists (name, credentials, added_at_utc) VALUES ('Kim Lee', 'OT', ?)",
            (AT,),
        )
        connection.execute(
            "INSERT INTO session_minutes VALUES (1, '97530', 8, 0, 1, ?, 480.0)", (AT,)
        )
        connection.execute(
            "INSERT INTO signatures (session_id, therapist_id, signed_at_utc, signed_json) "
            "VALUES (1, 1, ?, '{}')",
            (AT,),
        )
        connection.execute(
            "INSERT INTO goals (profile_id, text, limbs, baseline_from, therapist_id, "
            "created_at_utc) VALUES (1, 'Claps along', 'both_hands', '2026-02-01', 1, ?)",
            (AT,),
        )
        connection.execute("INSERT INTO default_codes VALUES (1, '97530', 100, 0)")
    connection.execute("COMMIT")
    connection.close()
    return path


def _rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('schema_version', 'alembic_version')"
            )
        ]
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in tables
        }
    finally:
        connection.close()


@pytest.mark.parametrize("version", sorted(INTERIM_MIGRATIONS))
def test_a_file_of_the_hand_written_9_or_10_upgrades_keeping_every_row(
    tmp_path: Path, version: int
) -> None:
    path = _interim_file(tmp_path, version)
    before = _rows(path)

    store = open_store(tmp_path)
    try:
        assert store.schema_version() == newest_version()
        taps = [row.tap for row in store.iter_taps(1)]
        assert [(tap.velocity, tap.device) for tap in taps] == [(101, "TD-17"), (None, None)]
        code = store.list_profiles()[0].code
        if version >= 10:
            (kim,) = store.therapists()
            assert store.session_minutes(1).as_mapping() == {"97530": 8}
            assert [s.therapist_id for s in store.signatures(1)] == [kim.therapist_id]
            assert [g.text for g in store.goals(code)] == ["Claps along"]
            assert store.default_codes(code) == [CodeShare("97530", 100)]
        # The chart works on the upgraded file either way.
        added = store.add_therapist("Sam Roe", "PT")
        store.add_signature(1, added.therapist_id, "{}")
    finally:
        store.close()

    after = _rows(path)
    for table, rows in before.items():
        if not rows:
            continue
        # Every row kept; a clinic-wide key (or a later column) appended after the old ones.
        assert [row[: len(rows[0])] for row in after[table][: len(rows)]] == rows
    connection = sqlite3.connect(path)
    try:
        for table in ("profiles", "sessions", "therapists", "signatures"):
            keys = [key for (key,) in connection.execute(f"SELECT uuid FROM {table}")]
            assert None not in keys and len(set(keys)) == len(keys) > 0
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        versions = [v for (v,) in connection.execute("SELECT version FROM schema_version")]
        assert versions == list(range(1, newest_version() + 1))
    finally:
        connection.close()
