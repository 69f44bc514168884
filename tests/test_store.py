"""The SQLite store, against a real database file in tmp_path."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

import engine.store.sqlite as store_module
from engine.store.records import BeatRecord, TapRecord, TaskStart
from engine.store.sqlite import (
    BUSY_TIMEOUT_MS,
    DATABASE_FILE_NAME,
    SESSION_COMPLETE,
    SESSION_INCOMPLETE,
    SESSION_RUNNING,
    SchemaTooNewError,
    Store,
    StoreError,
    default_data_dir,
)
from tests.records_factory import session_start


def task_start(session_id: int, task_index: int = 0) -> TaskStart:
    return TaskStart(
        session_id=session_id,
        task_index=task_index,
        task_name=f"task {task_index}",
        settings_json='{"tempo_bpm": 60}',
        tempo_bpm=60.0,
        start_frame=96_000 + task_index,
    )


def beat(session_id: int, task_index: int, beat_index: int) -> BeatRecord:
    return BeatRecord(
        session_id=session_id,
        task_index=task_index,
        beat_index=beat_index,
        limb="right_hand",
        target_frame=96_000 + 48_000 * beat_index,
        scored=beat_index != 0,
    )


def tap(
    session_id: int,
    task_index: int,
    tap_index: int,
    beat_index: int | None = None,
    asynchrony_ms: float | None = None,
    judgement: str = "extra",
) -> TapRecord:
    return TapRecord(
        session_id=session_id,
        task_index=task_index,
        tap_index=tap_index,
        channel="right_hand",
        host_ns=1_700_000_000_123_456_789 + tap_index,  # beyond 2**53: must stay exact
        stamp_source="polled",
        audio_frame=96_000 + 48_000 * tap_index + 7,
        audio_time_s=2.0 + tap_index + 7 / 48_000,
        beat_index=beat_index,
        asynchrony_ms=asynchrony_ms,
        judgement=judgement,
    )


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path)
    yield opened
    opened.close()


def raw_sql(data_dir: Path, sql: str) -> list[tuple]:
    """Run one statement on its own connection, outside the store, and commit it."""
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        with connection:
            return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_open_creates_the_data_dir_and_a_wal_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "OnBeat"
    Store.open(data_dir).close()
    assert (data_dir / DATABASE_FILE_NAME).is_file()
    assert raw_sql(data_dir, "PRAGMA journal_mode") == [("wal",)]


def test_connection_enforces_foreign_keys_and_waits_on_locks(store: Store) -> None:
    # Both settings are per connection, so they can only be read from the store's own.
    assert store._connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert store._connection.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_MS,)


def test_default_data_dir_follows_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG_DATA_HOME steers platformdirs on Linux only")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "OnBeat"


def test_profile_is_created_once_per_name_with_a_pseudonymous_code(store: Store) -> None:
    robin = store.profile_id_for("Robin")
    assert store.profile_id_for("Robin") == robin
    sam = store.profile_id_for("Sam")
    assert sam != robin
    codes = dict(store._connection.execute("SELECT display_name, code FROM profiles"))
    assert all(re.fullmatch(r"P-[A-Z2-9]{6}", code) for code in codes.values())
    assert codes["Robin"] != codes["Sam"]
    assert "Robin" not in codes["Robin"]


def test_blank_profile_name_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="name"):
        store.profile_id_for("  ")


def test_session_round_trip(store: Store) -> None:
    session_id = store.start_session(session_start())
    store.add_task(task_start(session_id, 0))
    store.add_beats([beat(session_id, 0, index) for index in range(3)])
    taps = [
        tap(session_id, 0, 0, beat_index=1, asynchrony_ms=-12.34567, judgement="good"),
        tap(session_id, 0, 1),
        tap(session_id, 0, 2, beat_index=2, asynchrony_ms=0.0001, judgement="sro"),
    ]
    store.add_taps(taps)

    summary = store.session_summary(session_id)
    assert summary.status == SESSION_RUNNING
    assert summary.ended_at_utc is None
    assert (summary.task_count, summary.beat_count) == (1, 3)
    assert (summary.tap_count, summary.paired_tap_count) == (3, 2)
    assert summary.level_id == "hands-1"

    rows = list(store.iter_tap_rows(session_id))
    assert [row.tap for row in rows] == taps
    assert {row.profile_code for row in rows} == {summary.profile_code}
    assert {row.session_started_at_utc for row in rows} == {"2026-01-05T10:00:00+00:00"}

    store.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    summary = store.session_summary(session_id)
    assert (summary.status, summary.ended_at_utc) == (SESSION_COMPLETE, "2026-01-05T10:07:00+00:00")


def test_session_columns_are_stored_as_given(store: Store) -> None:
    session_id = store.start_session(session_start())
    store.add_task(task_start(session_id, 0))
    store.add_beats([beat(session_id, 0, 0)])
    session_row = store._connection.execute(
        "SELECT level_id, level_title, level_path, station, sample_rate_hz, input_offset_ms, "
        "output_latency_ms, started_at_utc FROM sessions WHERE id = ?",
        (session_id,),
    ).fetchone()
    start = session_start()
    assert session_row == (
        start.level_id,
        start.level_title,
        start.level_path,
        start.station,
        start.sample_rate_hz,
        start.input_offset_ms,
        start.output_latency_ms,
        start.started_at_utc,
    )
    task_row = store._connection.execute(
        "SELECT task_name, settings_json, tempo_bpm, start_frame FROM tasks"
    ).fetchone()
    assert task_row == ("task 0", '{"tempo_bpm": 60}', 60.0, 96_000)
    beat_row = store._connection.execute(
        "SELECT beat_index, limb, target_frame, scored FROM beats"
    ).fetchone()
    assert beat_row == (0, "right_hand", 96_000, 0)


def test_iter_tap_rows_without_a_session_gives_all_in_order(store: Store) -> None:
    first = store.start_session(session_start())
    second = store.start_session(session_start(profile_name="Sam", level_id="toes-1"))
    for session_id in (second, first):
        store.add_task(task_start(session_id, 1))
        store.add_task(task_start(session_id, 0))
        store.add_taps([tap(session_id, 1, 0), tap(session_id, 0, 1), tap(session_id, 0, 0)])
    keys = [
        (row.tap.session_id, row.tap.task_index, row.tap.tap_index) for row in store.iter_tap_rows()
    ]
    assert keys == sorted(keys)
    assert len(keys) == 6
    assert {row.level_id for row in store.iter_tap_rows(second)} == {"toes-1"}


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.add_task(task_start(session_id=999))
    session_id = store.start_session(session_start())
    with pytest.raises(sqlite3.IntegrityError):
        store.add_beats([beat(session_id, 5, 0)])
    store.add_task(task_start(session_id, 0))
    with pytest.raises(sqlite3.IntegrityError):
        # Paired with a beat that was never stored.
        store.add_taps([tap(session_id, 0, 0, beat_index=3, asynchrony_ms=1.0, judgement="ok")])
    assert store.session_summary(session_id).tap_count == 0


def test_unknown_judgement_is_refused(store: Store) -> None:
    session_id = store.start_session(session_start())
    store.add_task(task_start(session_id, 0))
    with pytest.raises(ValueError, match="judgement 'great'"):
        store.add_taps([tap(session_id, 0, 0, judgement="great")])


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    session_id = store.start_session(session_start())
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.add_task(task_start(session_id, 0))
        store.add_task(task_start(session_id, 0))
    assert store.session_summary(session_id).task_count == 0


def test_end_session_checks_status_and_id(store: Store) -> None:
    session_id = store.start_session(session_start())
    with pytest.raises(ValueError, match="status"):
        store.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_RUNNING)
    with pytest.raises(LookupError, match="no session 999"):
        store.end_session(999, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)


def test_session_summary_of_an_unknown_session(store: Store) -> None:
    with pytest.raises(LookupError, match="no session 42"):
        store.session_summary(42)


def test_abandoned_sessions_are_marked_incomplete_and_keep_their_data(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    finished = store.start_session(session_start())
    store.add_task(task_start(finished, 0))
    store.end_session(finished, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    crashed = store.start_session(session_start())
    store.add_task(task_start(crashed, 0))
    store.add_beats([beat(crashed, 0, 0), beat(crashed, 0, 1)])
    store.add_taps([tap(crashed, 0, 0, beat_index=1, asynchrony_ms=3.5, judgement="sro")])
    store.close()  # the program died here, the session still running

    store = Store.open(tmp_path)
    assert store.mark_abandoned_sessions_incomplete() == 1
    summary = store.session_summary(crashed)
    assert summary.status == SESSION_INCOMPLETE
    assert summary.ended_at_utc is None
    assert (summary.task_count, summary.beat_count, summary.tap_count) == (1, 2, 1)
    assert store.session_summary(finished).status == SESSION_COMPLETE
    assert store.mark_abandoned_sessions_incomplete() == 0
    store.close()


def schema_versions(data_dir: Path) -> list[tuple[int, str]]:
    return raw_sql(data_dir, "SELECT version, applied_at_utc FROM schema_version ORDER BY version")


def test_opening_twice_does_not_rerun_migrations(tmp_path: Path) -> None:
    latest = len(store_module.MIGRATIONS)
    store = Store.open(tmp_path)
    assert store.schema_version() == latest
    store.profile_id_for("Robin")
    store.close()
    applied = schema_versions(tmp_path)
    assert [version for version, _ in applied] == list(range(1, latest + 1))

    store = Store.open(tmp_path)
    assert store.profile_id_for("Robin") == 1
    store.close()
    assert schema_versions(tmp_path) == applied


def test_a_new_migration_runs_once_on_an_existing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(tmp_path).close()
    latest = len(store_module.MIGRATIONS)
    runs: list[int] = []

    def add_profile_motto(connection: sqlite3.Connection) -> None:
        runs.append(1)
        connection.execute("ALTER TABLE profiles ADD COLUMN motto TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, add_profile_motto))
    for _ in range(2):
        store = Store.open(tmp_path)
        assert store.schema_version() == latest + 1
        store.close()
    assert runs == [1]
    assert [version for version, _ in schema_versions(tmp_path)] == list(range(1, latest + 2))
    assert "motto" in [row[1] for row in raw_sql(tmp_path, "PRAGMA table_info(profiles)")]


def test_a_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(tmp_path).close()
    latest = len(store_module.MIGRATIONS)

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("ALTER TABLE profiles ADD COLUMN motto TEXT")
        connection.execute("ALTER TABLE no_such_table ADD COLUMN x TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, broken))
    with pytest.raises(StoreError, match=f"schema version {latest + 1}"):
        Store.open(tmp_path)
    assert [version for version, _ in schema_versions(tmp_path)] == list(range(1, latest + 1))
    assert "motto" not in [row[1] for row in raw_sql(tmp_path, "PRAGMA table_info(profiles)")]


def test_a_database_from_a_newer_onbeat_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    raw_sql(tmp_path, "INSERT INTO schema_version VALUES (7, '2030-01-01T00:00:00+00:00')")
    with pytest.raises(SchemaTooNewError) as raised:
        Store.open(tmp_path)
    message = str(raised.value)
    assert str(tmp_path / DATABASE_FILE_NAME) in message
    assert "version 7" in message
    assert "update OnBeat" in message


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / DATABASE_FILE_NAME).write_bytes(b"not a database, just some text" * 100)
    with pytest.raises(StoreError, match="--data-dir"):
        Store.open(tmp_path)


def test_a_full_disk_keeps_what_was_committed(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    session_id = store.start_session(session_start())
    store.add_task(task_start(session_id, 0))
    store.add_taps([tap(session_id, 0, 0)])
    # The database may not grow by a single page: SQLite answers as if the disk were full.
    (page_count,) = store._connection.execute("PRAGMA page_count").fetchone()
    store._connection.execute(f"PRAGMA max_page_count = {page_count}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.add_taps([tap(session_id, 0, index) for index in range(1, 5000)])
    store.close()

    store = Store.open(tmp_path)
    assert store._connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [row.tap for row in store.iter_tap_rows(session_id)] == [tap(session_id, 0, 0)]
    store.close()
