"""The SQLite store, against a real database file in tmp_path."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from engine.store.migrations.runner import newest_version
from engine.store.opening import default_data_dir, open_store
from engine.store.protocol import SchemaTooNewError, Store, StoreError
from engine.store.records import (
    SESSION_COMPLETE,
    SESSION_INCOMPLETE,
    SESSION_RUNNING,
    BeatRecord,
    SessionCalibration,
    TapRecord,
    TaskRecord,
)
from engine.store.sqlite.store import BUSY_TIMEOUT_MS, DATABASE_FILE_NAME, SqliteStore
from tests.pg_stores import BACKENDS, open_backend, refused_record
from tests.records_factory import (
    add_revision,
    orphan_running_sessions,
    session_record,
    start_session,
)
from tests.sqlite_limits import connect_with_room_for


def task_start(session_id: int, task_index: int = 0) -> TaskRecord:
    return TaskRecord(
        session_id=session_id,
        task_index=task_index,
        task_name=f"task {task_index}",
        settings_json='{"tempo_bpm": 60}',
        tempo_bpm_start=60.0,
        tempo_bpm_end=63.0,
        start_frame=96_000 + task_index,
    )


def beat(session_id: int, task_index: int, beat_index: int) -> BeatRecord:
    return BeatRecord(
        session_id=session_id,
        task_index=task_index,
        beat_index=beat_index,
        limb="right_hand",
        target_frame=96_000 + 48_000 * beat_index,
        tempo_bpm=60.0,
        ioi_ms=1000.0,
        sro_ms=15.0,
        good_ms=45.0,
        ok_ms=100.0,
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
        sro_ms=None if beat_index is None else 15.0,
        good_ms=None if beat_index is None else 45.0,
        ok_ms=None if beat_index is None else 100.0,
    )


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A new store on each backend: the contract holds for a station's SQLite file and a
    clinic's PostgreSQL server alike."""
    opened = open_backend(request, request.param, tmp_path)
    yield opened
    opened.close()


def raw_sql_of(store: Store, sql: str) -> list[tuple]:
    """Run one statement on a connection of its own to the store's database, outside it."""
    if isinstance(store.path, Path):
        return raw_sql(store.path.parent, sql)
    with psycopg.connect(store.path, autocommit=True) as connection:
        return connection.execute(sql).fetchall()


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
    open_store(data_dir).close()
    assert (data_dir / DATABASE_FILE_NAME).is_file()
    assert raw_sql(data_dir, "PRAGMA journal_mode") == [("wal",)]


def test_connection_enforces_foreign_keys_and_waits_on_locks(tmp_path: Path) -> None:
    # Both settings are per connection: read them from the one the store was handed.
    handed: list[sqlite3.Connection] = []

    def connect(path: Path, **kwargs: object) -> sqlite3.Connection:
        handed.append(sqlite3.connect(path, **kwargs))
        return handed[-1]

    store = SqliteStore.open(tmp_path, connect=connect)
    try:
        [connection] = handed
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert connection.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_MS,)
    finally:
        store.close()


def test_default_data_dir_follows_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG_DATA_HOME steers platformdirs on Linux only")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "OnBeat"


def test_every_profile_made_is_new_with_a_pseudonymous_code(store: Store) -> None:
    robin = store.profile(store.create_profile("Robin"))
    other_robin = store.profile(store.create_profile(" Robin ", 2019, "owl"))
    sam = store.profile(store.create_profile("Sam"))
    assert len({robin.profile_id, other_robin.profile_id, sam.profile_id}) == 3
    assert (robin.display_name, robin.session_count, robin.archived) == ("Robin", 0, False)
    assert (other_robin.display_name, other_robin.birth_year, other_robin.avatar) == (
        "Robin",
        2019,
        "owl",
    )
    rows = raw_sql_of(store, "SELECT display_name, code FROM profiles ORDER BY id")
    assert rows == [("Robin", robin.code), ("Robin", other_robin.code), ("Sam", sam.code)]
    codes = [code for _, code in rows]
    assert all(re.fullmatch(r"P-[A-Z2-9]{6}", code) for code in codes)
    assert len(set(codes)) == 3
    assert "Robin" not in robin.code
    assert store.active_profiles_named("Robin") == [robin, other_robin]


def test_blank_profile_name_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="name"):
        store.create_profile("  ")
    code = store.create_profile("Robin")
    with pytest.raises(ValueError, match="name"):
        store.rename_profile(code, "")
    with pytest.raises(ValueError, match="birth year 1850"):
        store.create_profile("Sam", birth_year=1850)
    assert [p.display_name for p in store.list_profiles()] == ["Robin"]


def test_renamed_and_archived_profiles_keep_their_code_and_sessions(store: Store) -> None:
    mia = store.create_profile("Mia", avatar="cat")
    other_mia = store.create_profile("Mia", avatar="fox")
    session_id = start_session(store, "Leo")
    store.rename_profile(other_mia, "Mia B.")
    assert [p.code for p in store.active_profiles_named("Mia")] == [mia]
    assert store.profile(other_mia).display_name == "Mia B."

    leo = store.session(session_id).profile_code
    store.archive_profile(leo, "2026-02-01T09:00:00+00:00")
    archived = store.profile(leo)
    assert (archived.archived_at_utc, archived.session_count) == ("2026-02-01T09:00:00+00:00", 1)
    assert store.session(session_id).profile_code == leo
    assert store.active_profiles_named("Leo") == []
    assert {p.code for p in store.list_profiles(include_archived=False)} == {mia, other_mia}
    assert {p.code for p in store.list_profiles()} == {mia, other_mia, leo}
    with pytest.raises(ValueError, match="archived already, on 2026-02-01"):
        store.archive_profile(leo)
    for change in (
        lambda: store.rename_profile("P-NOBODY", "X"),
        lambda: store.archive_profile("P-NOBODY"),
    ):
        with pytest.raises(LookupError, match="no profile P-NOBODY"):
            change()


def test_session_round_trip(store: Store) -> None:
    session_id = start_session(store)
    store.add_task(task_start(session_id, 0))
    store.add_beats([beat(session_id, 0, index) for index in range(3)])
    taps = [
        tap(session_id, 0, 0, beat_index=1, asynchrony_ms=-12.34567, judgement="good"),
        tap(session_id, 0, 1),
        tap(session_id, 0, 2, beat_index=2, asynchrony_ms=0.0001, judgement="sro"),
    ]
    store.add_taps(taps)

    session = store.session(session_id)
    assert session.status == SESSION_RUNNING
    assert session.ended_at_utc is None
    assert session.level_id == "hands-1"
    counts = store.session_counts(session_id)
    assert (counts.task_count, counts.beat_count) == (1, 3)
    assert (counts.tap_count, counts.paired_tap_count) == (3, 2)

    rows = list(store.iter_taps(session_id))
    assert [row.tap for row in rows] == taps
    assert {row.profile_code for row in rows} == {session.profile_code}
    assert {row.session_started_at_utc for row in rows} == {"2026-01-05T10:00:00+00:00"}

    store.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    session = store.session(session_id)
    assert (session.status, session.ended_at_utc) == (SESSION_COMPLETE, "2026-01-05T10:07:00+00:00")


def test_a_session_reads_back_as_the_record_it_was_written_from(store: Store) -> None:
    calibration = SessionCalibration(-6.5, "2026-01-04T16:00:00+00:00", "tap test")
    written = session_record(store.create_profile("Robin"), calibration=calibration)
    session_id = store.start_session(written)
    stored = store.session(session_id)
    # The store gives it its keys: the database's id and a clinic-wide UUID.
    assert uuid.UUID(stored.session_uuid).version == 4
    assert stored == replace(written, session_id=session_id, session_uuid=stored.session_uuid)
    assert store.list_sessions() == [stored]


def test_a_session_starts_without_an_id_for_a_known_profile(store: Store) -> None:
    written = session_record(store.create_profile("Robin"))
    with pytest.raises(ValueError, match="without an id"):
        store.start_session(replace(written, session_id=7))
    with pytest.raises(ValueError, match="running"):
        store.start_session(replace(written, status=SESSION_COMPLETE))
    with pytest.raises(LookupError, match="no profile P-NOBODY"):
        store.start_session(replace(written, profile_code="P-NOBODY"))


def test_session_columns_are_stored_as_given(store: Store) -> None:
    start = session_record(store.create_profile("Robin"))
    session_id = store.start_session(start)
    store.add_task(task_start(session_id, 0))
    store.add_beats([beat(session_id, 0, 0)])
    [session_row] = raw_sql_of(
        store,
        "SELECT level_id, level_title, level_path, station, sample_rate_hz, input_offset_ms, "
        f"output_latency_ms, started_at_utc FROM sessions WHERE id = {session_id}",
    )
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
    task_rows = raw_sql_of(
        store,
        "SELECT task_name, settings_json, tempo_bpm_start, tempo_bpm_end, start_frame FROM tasks",
    )
    assert task_rows == [("task 0", '{"tempo_bpm": 60}', 60.0, 63.0, 96_000)]
    beat_rows = raw_sql_of(
        store,
        "SELECT beat_index, limb, target_frame, scored, tempo_bpm, ioi_ms, sro_ms, good_ms, "
        "ok_ms FROM beats",
    )
    assert beat_rows == [(0, "right_hand", 96_000, 0, 60.0, 1000.0, 15.0, 45.0, 100.0)]


def test_iter_taps_without_a_session_gives_all_in_order(store: Store) -> None:
    first = start_session(store)
    second = start_session(store, profile_name="Sam", level_id="toes-1")
    for session_id in (second, first):
        store.add_task(task_start(session_id, 1))
        store.add_task(task_start(session_id, 0))
        store.add_taps([tap(session_id, 1, 0), tap(session_id, 0, 1), tap(session_id, 0, 0)])
    keys = [
        (row.tap.session_id, row.tap.task_index, row.tap.tap_index) for row in store.iter_taps()
    ]
    assert keys == sorted(keys)
    assert len(keys) == 6
    assert {row.level_id for row in store.iter_taps(second)} == {"toes-1"}


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(refused_record(store)):
        store.add_task(task_start(session_id=999))
    session_id = start_session(store)
    with pytest.raises(refused_record(store)):
        store.add_beats([beat(session_id, 5, 0)])
    store.add_task(task_start(session_id, 0))
    with pytest.raises(refused_record(store)):
        # Paired with a beat that was never stored.
        store.add_taps([tap(session_id, 0, 0, beat_index=3, asynchrony_ms=1.0, judgement="ok")])
    assert store.session_counts(session_id).tap_count == 0


def test_unknown_judgement_is_refused(store: Store) -> None:
    session_id = start_session(store)
    store.add_task(task_start(session_id, 0))
    with pytest.raises(ValueError, match="judgement 'great'"):
        store.add_taps([tap(session_id, 0, 0, judgement="great")])


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    session_id = start_session(store)
    with pytest.raises(refused_record(store)), store.transaction():
        store.add_task(task_start(session_id, 0))
        store.add_beats([beat(session_id, 5, 0)])  # there is no task 5
    assert store.session_counts(session_id).task_count == 0


def test_a_task_sent_again_replaces_its_row(store: Store) -> None:
    """After a tempo change the session sends its task again, with the end tempo moved."""
    session_id = start_session(store)
    store.add_task(task_start(session_id, 0))
    moved = dataclasses.replace(task_start(session_id, 0), tempo_bpm_end=57.1)
    store.add_task(moved)
    assert list(store.iter_tasks(session_id)) == [moved]


def test_end_session_checks_status_and_id(store: Store) -> None:
    session_id = start_session(store)
    with pytest.raises(ValueError, match="status"):
        store.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_RUNNING)
    with pytest.raises(LookupError, match="no session 999"):
        store.end_session(999, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)


def test_an_unknown_session_is_looked_up_in_vain(store: Store) -> None:
    with pytest.raises(LookupError, match="no session 42"):
        store.session_counts(42)
    with pytest.raises(LookupError, match="no session 42"):
        store.session(42)


def test_abandoned_sessions_are_marked_incomplete_and_keep_their_data(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    finished = start_session(store)
    store.add_task(task_start(finished, 0))
    store.end_session(finished, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    crashed = start_session(store)
    store.add_task(task_start(crashed, 0))
    store.add_beats([beat(crashed, 0, 0), beat(crashed, 0, 1)])
    store.add_taps([tap(crashed, 0, 0, beat_index=1, asynchrony_ms=3.5, judgement="sro")])
    store.close()  # the program died here, the session still running
    assert orphan_running_sessions(tmp_path / DATABASE_FILE_NAME) == 1

    store = open_store(tmp_path)  # opening for writing marks what a dead process left
    session = store.session(crashed)
    assert session.status == SESSION_INCOMPLETE
    assert session.ended_at_utc is None
    counts = store.session_counts(crashed)
    assert (counts.task_count, counts.beat_count, counts.tap_count) == (1, 2, 1)
    assert store.session(finished).status == SESSION_COMPLETE
    assert store.mark_abandoned_sessions_incomplete() == 0
    store.close()


def schema_versions(data_dir: Path) -> list[tuple[int, str]]:
    return raw_sql(data_dir, "SELECT version, applied_at_utc FROM schema_version ORDER BY version")


def test_opening_twice_does_not_rerun_migrations(tmp_path: Path) -> None:
    latest = newest_version()
    store = open_store(tmp_path)
    assert store.schema_version() == latest
    code = store.create_profile("Robin")
    store.close()
    applied = schema_versions(tmp_path)
    assert [version for version, _ in applied] == list(range(1, latest + 1))

    store = open_store(tmp_path)
    assert store.profile(code).profile_id == 1
    store.close()
    assert schema_versions(tmp_path) == applied


def test_a_new_migration_runs_once_on_an_existing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    open_store(data_dir).close()
    latest = newest_version()
    runs = tmp_path / "runs.txt"
    added = add_revision(
        tmp_path / "revisions",
        monkeypatch,
        f"    with open({str(runs)!r}, 'a') as runs:\n"
        "        runs.write('ran\\n')\n"
        "    op.add_column('profiles', sa.Column('motto', sa.Text))",
    )
    assert added == latest + 1
    for _ in range(2):
        store = open_store(data_dir)
        assert store.schema_version() == latest + 1
        store.close()
    assert runs.read_text() == "ran\n"
    assert [version for version, _ in schema_versions(data_dir)] == list(range(1, latest + 2))
    assert "motto" in [row[1] for row in raw_sql(data_dir, "PRAGMA table_info(profiles)")]


def test_a_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    open_store(data_dir).close()
    latest = newest_version()
    add_revision(
        tmp_path / "revisions",
        monkeypatch,
        "    op.add_column('profiles', sa.Column('motto', sa.Text))\n"
        "    op.execute('ALTER TABLE no_such_table ADD COLUMN x TEXT')",
    )
    with pytest.raises(StoreError, match=f"schema version {latest + 1}"):
        open_store(data_dir)
    assert [version for version, _ in schema_versions(data_dir)] == list(range(1, latest + 1))
    assert "motto" not in [row[1] for row in raw_sql(data_dir, "PRAGMA table_info(profiles)")]


def test_a_database_from_a_newer_onbeat_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    newer = newest_version() + 1
    raw_sql(tmp_path, f"INSERT INTO schema_version VALUES ({newer}, '2030-01-01T00:00:00+00:00')")
    with pytest.raises(SchemaTooNewError) as raised:
        open_store(tmp_path)
    message = str(raised.value)
    assert str(tmp_path / DATABASE_FILE_NAME) in message
    assert f"version {newer}" in message
    assert "update OnBeat" in message


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / DATABASE_FILE_NAME).write_bytes(b"not a database, just some text" * 100)
    with pytest.raises(StoreError, match="--data-dir"):
        open_store(tmp_path)


def test_a_full_disk_keeps_what_was_committed(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    session_id = start_session(store)
    store.add_task(task_start(session_id, 0))
    store.add_taps([tap(session_id, 0, 0)])
    store.close()
    # The database may not grow by a single page: SQLite answers as if the disk were full.
    store = SqliteStore.open(tmp_path, connect=connect_with_room_for(0))
    with pytest.raises(sqlite3.OperationalError, match="full") as raised:
        store.add_taps([tap(session_id, 0, index) for index in range(1, 5000)])
    assert store.is_transient(raised.value)
    store.close()

    assert raw_sql(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    store = open_store(tmp_path)
    assert [row.tap for row in store.iter_taps(session_id)] == [tap(session_id, 0, 0)]
    store.close()
