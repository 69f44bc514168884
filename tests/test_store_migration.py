"""Upgrading a database that an older OnBeat wrote (schema version 1) loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

import tests.legacy_schema as legacy_schema
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.protocol import StoreError
from engine.store.records import SESSION_INCOMPLETE
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.records_factory import make_database_of_schema

V1_TABLES = ("profiles", "sessions", "tasks", "beats", "taps")
# Columns a later schema renamed, keeping their values: (table, old name) -> new name.
RENAMED = {("tasks", "tempo_bpm"): "tempo_bpm_start"}  # schema 6: tasks got an end tempo too
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
    make_database_of_schema(tmp_path, 1, monkeypatch)
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
    assert store.schema_version() == newest_version() >= 2
    store.close()
    connection = sqlite3.connect(v1_database / DATABASE_FILE_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
    # Every row is kept as it was (a renamed column under its new name), except that the
    # session the old version left running (its process long gone) is now marked incomplete,
    # as every opening for writing does.
    renamed_columns = {
        table: [RENAMED.get((table, name), name) for name in names]
        for table, names in v1_columns.items()
    }
    after = dump(v1_database, renamed_columns)
    status = v1_columns["sessions"].index("status")
    assert [row[status] for row in after["sessions"]] == ["complete", "incomplete"]
    assert after["sessions"][1][:status] == before["sessions"][1][:status]
    after["sessions"][1] = before["sessions"][1]
    assert after == before
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

    # A session the old version left running (it kept no owner) was marked incomplete when
    # the store was opened, as ever.
    assert store.session(2).status == SESSION_INCOMPLETE
    assert store.mark_abandoned_sessions_incomplete() == 0
    note = store.add_note("Tired today; stopped early.", author="OT", session_id=2)
    assert [n.body for n in store.notes(session_id=2)] == [note.body]
    store.set_profile_details("P-GHJKMN", birth_year=2017, avatar="frog")
    assert store.profile("P-GHJKMN").birth_year == 2017
    store.close()


# --- the migration that makes a profile its code (display names may repeat) ------------------
def _before_profiles_by_code() -> int:
    """How many migrations ran before the one that rebuilt profiles: the code before it."""
    return legacy_schema.MIGRATIONS.index(legacy_schema._migration_4_profiles_by_code)


def connection_columns(data_dir: Path, table: str) -> list[tuple]:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        return connection.execute(f"PRAGMA table_info({table})").fetchall()
    finally:
        connection.close()


def _every_row(data_dir: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'schema_version'"
            )
        ]
        rows = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            old_columns = [c for c in columns if c != "archived_at_utc"]
            rows[table] = connection.execute(
                f"SELECT {', '.join(old_columns)} FROM {table} ORDER BY rowid"
            ).fetchall()
        return rows
    finally:
        connection.close()


def test_profiles_rebuilt_without_a_unique_name_keep_every_row_and_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_database_of_schema(tmp_path, _before_profiles_by_code(), monkeypatch)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        fill_like_onbeat_v1(connection)
        # Ids with gaps, as deleted test profiles leave them; details and what refers to them.
        connection.execute(
            "INSERT INTO profiles (id, code, display_name, created_at_utc, birth_year, avatar) "
            "VALUES (7, 'P-QRSTUV', 'Mia', '2026-01-07T09:00:00+00:00', 2018, 'cat')"
        )
        connection.execute(
            "INSERT INTO session_plans (id, profile_id, title, steps_json, created_at_utc) "
            "VALUES (1, 7, 'Week 1', '[]', '2026-01-07T09:00:00+00:00')"
        )
        connection.execute(
            "INSERT INTO notes (id, profile_id, session_id, written_at_utc, author, body) "
            "VALUES (1, 1, 1, '2026-01-05T10:10:00+00:00', 'OT', 'Good focus.')"
        )
        connection.execute(
            "INSERT INTO adaptive_positions VALUES (7, 'frog-hop', 3.25, "
            "'2026-01-07T10:00:00+00:00')"
        )
    connection.close()
    before = _every_row(tmp_path)
    assert len(before["profiles"]) == 3 and before["notes"] and before["adaptive_positions"]

    store = open_store(tmp_path)
    assert store.schema_version() == newest_version()
    # Names may repeat now, and the old profiles are in use.
    second_mia = store.create_profile("Mia", avatar="fox")
    assert [p.code for p in store.active_profiles_named("Mia")] == ["P-QRSTUV", second_mia]
    assert store.profile("P-QRSTUV").profile_id == 7
    assert store.adaptive_position("P-QRSTUV", "frog-hop").position == 3.25
    store.close()

    after = _every_row(tmp_path)
    # Later migrations add columns at the end (the clinic-wide key, version 9).
    profile_width = len(before["profiles"][0])
    assert [row[:profile_width] for row in after["profiles"][:3]] == before["profiles"]
    # Every other table as it was (tables later migrations add are new and empty), but for
    # the session the old version left running: it kept no owner, so it is now incomplete.
    unchanged = [table for table in before if table not in ("profiles", "sessions")]

    def widths_of_before(table: str) -> list[tuple]:  # later migrations add columns at the end
        width = len(before[table][0]) if before[table] else 0
        return [row[:width] for row in after[table]]

    assert {table: widths_of_before(table) for table in unchanged} == {
        table: before[table] for table in unchanged
    }
    status = [row[1] for row in connection_columns(tmp_path, "sessions")].index("status")
    assert [row[:status] for row in after["sessions"]] == [
        row[:status] for row in before["sessions"]
    ]
    assert [row[status] for row in after["sessions"]] == ["complete", "incomplete"]
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        archived = connection.execute("SELECT archived_at_utc FROM profiles").fetchall()
        assert archived == [(None,)] * 4
    finally:
        connection.close()
    # The store's connection checks foreign keys again once the upgrade is done.
    store = open_store(tmp_path)
    assert store._connection.exec_driver_sql("PRAGMA foreign_keys").fetchone() == (1,)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store._connection.exec_driver_sql("UPDATE sessions SET profile_id = 99 WHERE id = 1")
    store.close()


def test_a_rebuild_that_would_orphan_a_row_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session pointing at a profile id that is gone (possible in a file written with
    foreign keys off) stops the upgrade whole, naming the row, rather than carrying it."""
    make_database_of_schema(tmp_path, _before_profiles_by_code(), monkeypatch)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        fill_like_onbeat_v1(connection)
        connection.execute("UPDATE sessions SET profile_id = 99 WHERE id = 2")
    connection.close()
    before = _every_row(tmp_path)
    with pytest.raises(StoreError, match="sessions would refer to nothing"):
        open_store(tmp_path)
    assert _every_row(tmp_path) == before
