"""Alembic in place of the hand-written migrations: files of every older release upgrade in
place with every row kept, and the revisions build the schema those releases built."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

import tests.legacy_schema as legacy_schema
from engine.store.migrations import runner
from engine.store.migrations.runner import newest_version, revision_of
from engine.store.opening import open_store
from engine.store.protocol import SchemaTooNewError
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.records_factory import make_database_of_schema

LEGACY_VERSIONS = range(1, len(legacy_schema.MIGRATIONS) + 1)
RECORDED_TABLES = ("profiles", "sessions", "tasks", "beats", "taps")


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def _fill_as_that_release(database: Path) -> dict[str, list[tuple]]:
    """Two profiles, each with a session of one task, two targets and three taps, written
    in plain SQL into the columns the file has (as the release that made it did)."""
    connection = sqlite3.connect(database)
    with connection:
        tempo = "tempo_bpm" if "tempo_bpm" in _columns(connection, "tasks") else "tempo_bpm_start"
        for profile_id in (1, 2):
            connection.execute(
                "INSERT INTO profiles (id, code, display_name, created_at_utc) VALUES (?, ?, ?, ?)",
                (profile_id, f"P-ABCDE{profile_id}", f"Child {profile_id}", "2025-01-01T09:00"),
            )
            connection.execute(
                "INSERT INTO sessions (id, profile_id, level_id, level_title, level_path, "
                "station, sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, "
                "ended_at_utc, status) VALUES (?, ?, 'hands-1', 'Hands', 'levels/h.yaml', "
                "'room-2', 48000, 12.5, 23.0, '2025-01-02T10:00', '2025-01-02T10:20', "
                "'complete')",
                (profile_id, profile_id),
            )
            connection.execute(
                f"INSERT INTO tasks (session_id, task_index, task_name, settings_json, {tempo}, "
                "start_frame) VALUES (?, 0, 'Steady', '{}', 60.0, 0)",
                (profile_id,),
            )
            for beat_index in (0, 1):
                connection.execute(
                    "INSERT INTO beats (session_id, task_index, beat_index, limb, target_frame, "
                    "scored) VALUES (?, 0, ?, 'both_hands', ?, 1)",
                    (profile_id, beat_index, 48_000 * (beat_index + 1)),
                )
            for tap_index, beat_index in ((0, 0), (1, 1), (2, None)):
                connection.execute(
                    "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, "
                    "stamp_source, audio_frame, audio_time_s, beat_index, asynchrony_ms, "
                    "judgement) VALUES (?, 0, ?, 'left_hand', ?, 'scripted', ?, 1.0, ?, ?, ?)",
                    (
                        profile_id,
                        tap_index,
                        10**12 + tap_index,
                        48_000 * (tap_index + 1) - 240,
                        beat_index,
                        None if beat_index is None else -5.0,
                        "extra" if beat_index is None else "sro",
                    ),
                )
    rows = {
        table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in RECORDED_TABLES
    }
    connection.close()
    return rows


@pytest.mark.parametrize("version", LEGACY_VERSIONS)
def test_a_file_of_every_older_release_upgrades_in_place_keeping_every_row(
    tmp_path: Path, version: int
) -> None:
    make_database_of_schema(tmp_path, version)
    before = _fill_as_that_release(tmp_path / DATABASE_FILE_NAME)

    store = open_store(tmp_path)
    assert store.schema_version() == newest_version()
    assert [profile.code for profile in store.list_profiles()] == ["P-ABCDE1", "P-ABCDE2"]
    for session_id in (1, 2):
        counts = store.session_counts(session_id)
        assert (counts.task_count, counts.beat_count, counts.tap_count) == (1, 2, 3)
        assert store.tap_columns(session_id).judgement.tolist() == ["sro", "sro", "extra"]
    store.close()

    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision == revision_of(newest_version())
        for table in RECORDED_TABLES:
            after = connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            # Columns added since are appended after the ones the release wrote.
            assert [row[: len(before[table][0])] for row in after] == before[table]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def _schema(database: Path) -> dict[str, object]:
    connection = sqlite3.connect(database)
    try:
        names = connection.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY type, name"
        ).fetchall()
        columns = {
            name: sorted(_columns(connection, name)) for kind, name in names if kind == "table"
        }
        return {"objects": names, "columns": columns}
    finally:
        connection.close()


def test_the_revisions_build_what_the_old_migrations_built(tmp_path: Path) -> None:
    """A new station's file (made by the Alembic revisions) has the tables, columns, indexes
    and triggers that the last release before Alembic made."""
    last_legacy = len(legacy_schema.MIGRATIONS)
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    legacy = sqlite3.connect(old, isolation_level=None)
    legacy_schema.migrate(legacy, last_legacy)
    legacy.close()
    engine = create_engine(f"sqlite:///{new}", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        runner.migrate(connection, str(new), "", target_version=last_legacy)
    engine.dispose()
    assert _schema(new) == _schema(old)


def test_the_audit_log_of_a_new_file_refuses_changes(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        with connection:
            connection.execute(
                "INSERT INTO audit_log (at_utc, station, action, detail) "
                "VALUES ('2026-01-01T00:00', 'room-2', 'unlocked', '')"
            )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM audit_log")
    finally:
        connection.close()


def test_a_file_of_an_unknown_newer_revision_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        connection.execute(
            "UPDATE alembic_version SET version_num = ?", (revision_of(newest_version() + 3),)
        )
    connection.close()
    with pytest.raises(SchemaTooNewError, match=f"schema version {newest_version() + 3}"):
        open_store(tmp_path)
    with pytest.raises(SchemaTooNewError):
        open_store(tmp_path, read_only=True)


def test_rows_from_before_get_clinic_wide_keys_and_the_audit_log_stays_append_only(
    tmp_path: Path,
) -> None:
    make_database_of_schema(tmp_path, len(legacy_schema.MIGRATIONS))
    _fill_as_that_release(tmp_path / DATABASE_FILE_NAME)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        for action in ("pin_set", "unlocked"):
            connection.execute(
                "INSERT INTO audit_log (at_utc, station, action, detail) "
                "VALUES ('2026-01-01T00:00', 'room-2', ?, '')",
                (action,),
            )
    connection.close()

    open_store(tmp_path).close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        for table in ("profiles", "sessions", "audit_log"):
            keys = [row[0] for row in connection.execute(f"SELECT uuid FROM {table}")]
            assert len(keys) == 2 and None not in keys and len(set(keys)) == 2
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE audit_log SET detail = 'rewritten'")
    finally:
        connection.close()


def test_the_revisions_build_the_tables_that_tables_py_describes(tmp_path: Path) -> None:
    """Every table and column of engine/store/sql/tables.py, as the newest revision leaves a
    new file (the queries are built from tables.py)."""
    from engine.store.sql import tables as t

    open_store(tmp_path).close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        built = {
            name: {row[1] for row in connection.execute(f"PRAGMA table_info({name})")}
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        }
    finally:
        connection.close()
    described = {
        table.name: {column.name for column in table.columns} for table in t.metadata.sorted_tables
    }
    assert built == described


def test_a_version_11_file_upgrades_keeping_its_rows_and_dates_its_profiles(
    tmp_path: Path,
) -> None:
    make_database_of_schema(tmp_path, 11)
    _fill_as_that_release(tmp_path / DATABASE_FILE_NAME)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        connection.execute(
            "UPDATE profiles SET archived_at_utc = '2025-03-01T09:00' WHERE code = 'P-ABCDE2'"
        )
        connection.execute(
            "INSERT INTO therapists (name, credentials, pin_hash, added_at_utc, uuid) "
            "VALUES ('Ann Lee', 'OTR/L', 'argon2-hash', '2025-01-01T08:00', 'th-1')"
        )
    before = {
        table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in RECORDED_TABLES
    }
    connection.close()

    store = open_store(tmp_path)
    assert store.schema_version() == newest_version() == 12
    store.close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        for table in RECORDED_TABLES:
            after = connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            # Columns added since are appended after the ones the file had.
            assert [row[: len(before[table][0])] for row in after] == before[table]
        dated = connection.execute(
            "SELECT code, modified_at_utc, modified_by FROM profiles ORDER BY code"
        ).fetchall()
        assert dated == [
            ("P-ABCDE1", "2025-01-01T09:00", None),
            ("P-ABCDE2", "2025-03-01T09:00", None),
        ]
        assert connection.execute("SELECT pin_set_at_utc FROM therapists").fetchall() == [
            ("2025-01-01T08:00",)
        ]
        assert connection.execute("SELECT COUNT(*) FROM clinic_levels").fetchone() == (0,)
    finally:
        connection.close()
