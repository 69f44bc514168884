"""Upgrading a database that an older OnBeat wrote (schema version 1) loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

import engine.store.sqlite.schema as schema_module
from engine.store.opening import open_store
from engine.store.records import SESSION_INCOMPLETE
from engine.store.sqlite.store import DATABASE_FILE_NAME

V1_TABLES = ("profiles", "sessions", "tasks", "beats", "taps")
# Columns a later schema renamed, keeping their values: (table, old name) -> new name.
RENAMED = {("tasks", "tempo_bpm"): "tempo_bpm_start"}  # schema 4: tasks got an end tempo too
HOST_NS = 1_700_000_000_123_456_789  # beyond 2**53: must survive exactly


def fill_like_onbeat_v1(connection: sqlite3.Connection) -> None:
    """What OnBeat with schema 1 wrote: two profiles, a complete and a crashed session."""
    connection.executemany(
        "INSERT INTO profiles (id, code, display_name, created_at_utc) VALUES (?, ?, ?, ?)",
        [
            (1, "P-ABCDEF", "Robin", "2026-01-05T09:00:00+00:00"),
            (2, "P-GHJKMN", "Sam", "2026-01-06T09:00:00+00:00"),
        ],
    )
    connection.executemany(
        "INSERT INTO sessions (id, profile_id, level_id, level_title, level_path, station, "
        "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
        "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 1, "frog-hop", "Frog Hop", "levels/pond/frog-hop.yaml", "room-2", 48_000,
             12.5, 23.25, "2026-01-05T10:00:00+00:00", "2026-01-05T10:07:00+00:00", "complete"),
            (2, 2, "drum-march", "Drum March", "levels/parade/drum-march.yaml", "room-3",
             44_100, 0.0, 40.0, "2026-01-06T10:00:00+00:00", None, "running"),
        ],
    )  # fmt: skip
    for session_id in (1, 2):
        connection.execute(
            "INSERT INTO tasks VALUES (?, 0, 'Hop', ?, 60.0, 96000)",
            (session_id, '{"windows": {"sro_ms": 15.0, "good_ms": 45.0, "ok_ms": 100.0}}'),
        )
        connection.executemany(
            "INSERT INTO beats VALUES (?, 0, ?, 'both_hands', ?, 1)",
            [(session_id, beat, 96_000 + 48_000 * beat) for beat in range(8)],
        )
        connection.executemany(
            "INSERT INTO taps VALUES (?, 0, ?, 'right_hand', ?, 'polled', ?, ?, ?, ?, ?)",
            [
                (session_id, 0, HOST_NS, 95_000, 1.979166, None, None, "unscored"),
                (session_id, 1, HOST_NS + 1, 96_100, 2.002083, 0, 2.0833, "sro"),
                (session_id, 2, HOST_NS + 2, 142_000, 2.958333, 1, -41.6667, "good"),
                (session_id, 3, HOST_NS + 3, 142_500, 2.96875, None, None, "extra"),
            ],
        )


def dump(data_dir: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the version-1 tables, in the given (version-1) columns only."""
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        return {
            table: connection.execute(
                f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY rowid"
            ).fetchall()
            for table in V1_TABLES
        }
    finally:
        connection.close()


def table_columns(data_dir: Path) -> dict[str, list[str]]:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        return {
            table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for table in V1_TABLES
        }
    finally:
        connection.close()


@pytest.fixture
def v1_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real database file made by migration 1 alone and filled as OnBeat v1 did."""
    with monkeypatch.context() as patch:
        patch.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS[:1])
        store = open_store(tmp_path)
        assert store.schema_version() == 1
        store.close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        fill_like_onbeat_v1(connection)
    connection.close()
    return tmp_path


def test_upgrading_a_version_1_database_keeps_every_row(v1_database: Path) -> None:
    v1_columns = table_columns(v1_database)
    before = dump(v1_database, v1_columns)
    assert sum(len(rows) for rows in before.values()) == 2 + 2 + 2 + 16 + 8

    store = open_store(v1_database)
    assert store.schema_version() == len(schema_module.MIGRATIONS) >= 2
    store.close()
    connection = sqlite3.connect(v1_database / DATABASE_FILE_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
    renamed_columns = {
        table: [RENAMED.get((table, name), name) for name in names]
        for table, names in v1_columns.items()
    }
    assert dump(v1_database, renamed_columns) == before
    upgraded_columns = table_columns(v1_database)
    assert all(
        upgraded_columns[table][: len(v1_columns[table])] == renamed_columns[table]
        for table in V1_TABLES
    )


def test_old_rows_read_through_the_new_api(v1_database: Path) -> None:
    store = open_store(v1_database)
    profiles = store.list_profiles()
    assert [(p.code, p.birth_year, p.avatar, p.session_count) for p in profiles] == [
        ("P-ABCDEF", None, None, 1),
        ("P-GHJKMN", None, None, 1),
    ]
    old = store.session(1)
    assert old.calibration is None  # not recorded by version 1, and shown as such
    assert (old.input_offset_ms, old.output_latency_ms, old.plan_id) == (12.5, 23.25, None)
    taps = store.tap_columns(1)
    assert taps.host_ns.tolist() == [HOST_NS + index for index in range(4)]
    assert taps.beat_index.tolist() == [-1, 0, 1, -1]
    assert np.isnan(taps.asynchrony_ms[[0, 3]]).all()

    # A session the old version left running is marked incomplete on the next start, as ever.
    assert store.mark_abandoned_sessions_incomplete() == 1
    assert store.session(2).status == SESSION_INCOMPLETE
    note = store.add_note("Tired today; stopped early.", author="OT", session_id=2)
    assert [n.body for n in store.notes(session_id=2)] == [note.body]
    store.set_profile_details("P-GHJKMN", birth_year=2017, avatar="frog")
    assert store.profile("P-GHJKMN").birth_year == 2017
    store.close()
