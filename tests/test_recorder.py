"""The background recorder, against a real database file in tmp_path.

Tests wait for the writer with flush(), never with sleeps; the one test of the periodic commit
polls a second connection with a generous deadline and asserts nothing about rates.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.protocol import SchemaTooNewError, Store
from engine.store.recorder import Recorder, RecorderError
from engine.store.records import (
    SESSION_COMPLETE,
    SESSION_RUNNING,
    AdaptationStep,
    BeatRecord,
    PlanStep,
    SessionCalibration,
    TapRecord,
    TaskRecord,
)
from engine.store.sqlite.store import DATABASE_FILE_NAME, SqliteStore
from tests.records_factory import session_record, start_session
from tests.sqlite_limits import connect_with_room_for


def task_start(session_id: int, task_index: int = 0) -> TaskRecord:
    return TaskRecord(
        session_id=session_id,
        task_index=task_index,
        task_name=f"task {task_index}",
        settings_json="{}",
        tempo_bpm_start=60.0,
        tempo_bpm_end=60.0,
        start_frame=96_000,
    )


def beats(session_id: int, task_index: int, count: int) -> list[BeatRecord]:
    return [
        BeatRecord(
            session_id,
            task_index,
            index,
            "right_hand",
            96_000 + 48_000 * index,
            tempo_bpm=60.0,
            ioi_ms=1000.0,
            sro_ms=15.0,
            good_ms=45.0,
            ok_ms=100.0,
        )
        for index in range(count)
    ]


def tap(
    session_id: int, task_index: int, tap_index: int, beat_index: int | None = None
) -> TapRecord:
    return TapRecord(
        session_id=session_id,
        task_index=task_index,
        tap_index=tap_index,
        channel="right_hand",
        host_ns=1_700_000_000_000_000_000 + tap_index,
        stamp_source="scripted",
        audio_frame=96_000 + 48_000 * tap_index,
        audio_time_s=2.0 + tap_index,
        beat_index=beat_index,
        asynchrony_ms=None if beat_index is None else -4.25,
        judgement="extra" if beat_index is None else "good",
        sro_ms=None if beat_index is None else 15.0,
        good_ms=None if beat_index is None else 45.0,
        ok_ms=None if beat_index is None else 100.0,
    )


@pytest.fixture
def recorder(tmp_path: Path):
    opened = Recorder(tmp_path)
    yield opened
    opened.close()


def raw_sql(data_dir: Path, sql: str) -> list[tuple]:
    """Run one statement on its own connection, outside any store, and commit it."""
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        with connection:
            return connection.execute(sql).fetchall()
    finally:
        connection.close()


def stored_taps(data_dir: Path, session_id: int | None = None) -> list[TapRecord]:
    """What another connection sees committed."""
    store = open_store(data_dir)
    try:
        return [row.tap for row in store.iter_taps(session_id)]
    finally:
        store.close()


def test_several_sessions_round_trip(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    sent: dict[int, list[TapRecord]] = {}
    for profile_name in ("Robin", "Sam", "Robin"):
        session_id = start_session(recorder, profile_name)
        sent[session_id] = []
        for task_index in range(2):
            recorder.task(task_start(session_id, task_index))
            recorder.beats(beats(session_id, task_index, 4))
            for tap_index in range(5):
                beat_index = tap_index if tap_index < 4 else None
                record = tap(session_id, task_index, tap_index, beat_index)
                recorder.tap(record)
                sent[session_id].append(record)
        recorder.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    recorder.close()
    assert recorder.error is None
    assert len(set(sent)) == 3

    store = open_store(tmp_path)
    for session_id, taps in sent.items():
        assert [row.tap for row in store.iter_taps(session_id)] == taps
        assert store.session(session_id).status == SESSION_COMPLETE
        counts = store.session_counts(session_id)
        assert (counts.task_count, counts.beat_count) == (2, 8)
        assert (counts.tap_count, counts.paired_tap_count) == (10, 8)
    codes = [store.session(session_id).profile_code for session_id in sent]
    assert codes[0] == codes[2] != codes[1]
    store.close()


def test_flush_commits_everything_queued_so_far(recorder: Recorder, tmp_path: Path) -> None:
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    taps = [tap(session_id, 0, index) for index in range(20)]
    for record in taps:
        recorder.tap(record)
    recorder.flush()
    assert stored_taps(tmp_path, session_id) == taps
    recorder.flush()  # nothing queued: returns at once


def test_start_session_commits_what_was_queued_before_it(
    recorder: Recorder, tmp_path: Path
) -> None:
    first = start_session(recorder)
    recorder.task(task_start(first))
    recorder.tap(tap(first, 0, 0))
    second = start_session(recorder, "Sam")
    assert second > first
    assert stored_taps(tmp_path, first) == [tap(first, 0, 0)]


def test_records_are_committed_without_flush(recorder: Recorder, tmp_path: Path) -> None:
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    deadline_s = time.monotonic() + 10.0
    while not stored_taps(tmp_path) and time.monotonic() < deadline_s:
        time.sleep(0.01)
    assert stored_taps(tmp_path) == [tap(session_id, 0, 0)]


def test_session_left_running_is_visible_before_close(recorder: Recorder, tmp_path: Path) -> None:
    session_id = start_session(recorder)
    store = open_store(tmp_path)
    assert store.session(session_id).status == SESSION_RUNNING
    store.close()


def test_tap_does_not_wait_for_a_busy_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer_inside = threading.Event()
    release_writer = threading.Event()
    writer_was_released: list[bool] = []
    add_taps = SqliteStore.add_taps

    def slow_add_taps(store: Store, taps: list[TapRecord]) -> None:
        writer_inside.set()
        if not writer_was_released:
            # If tap() blocked, nobody would set release_writer: fail instead of hanging.
            writer_was_released.append(release_writer.wait(10.0))
        add_taps(store, taps)

    monkeypatch.setattr(SqliteStore, "add_taps", slow_add_taps)
    recorder = Recorder(tmp_path, commit_interval_s=0.0)
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    assert writer_inside.wait(10.0)
    for index in range(1, 1000):
        recorder.tap(tap(session_id, 0, index))
    release_writer.set()
    recorder.close()
    assert writer_was_released == [True]
    assert len(stored_taps(tmp_path, session_id)) == 1000


def test_a_rejected_record_is_reported_and_the_others_are_kept(
    recorder: Recorder, tmp_path: Path
) -> None:
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    recorder.tap(tap(session_id, 9, 0))  # no task 9: the foreign key refuses it
    recorder.tap(tap(session_id, 0, 1))
    with pytest.raises(RecorderError, match="rejected"):
        recorder.flush()
    assert isinstance(recorder.error, sqlite3.IntegrityError)
    assert stored_taps(tmp_path, session_id) == [tap(session_id, 0, 0), tap(session_id, 0, 1)]
    recorder.flush()  # the loss was reported once; nothing else is missing


def test_a_bad_end_status_is_reported(recorder: Recorder) -> None:
    session_id = start_session(recorder)
    recorder.end_session(session_id, "2026-01-05T10:07:00+00:00", "done")
    with pytest.raises(RecorderError, match="status"):
        recorder.flush()
    assert isinstance(recorder.error, ValueError)


def test_a_failed_start_is_raised_and_the_recorder_goes_on(recorder: Recorder) -> None:
    with pytest.raises(RecorderError, match="hands-1") as raised:
        recorder.start_session(session_record("P-NOBODY"))
    assert isinstance(raised.value.__cause__, LookupError)
    assert recorder.error is raised.value.__cause__
    with pytest.raises(RecorderError, match="profile ''") as raised:
        recorder.station_profile("")
    assert isinstance(raised.value.__cause__, ValueError)
    assert start_session(recorder) > 0


def test_records_are_kept_and_retried_while_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full = threading.Event()
    add_taps = SqliteStore.add_taps

    def add_taps_unless_full(store: Store, taps: list[TapRecord]) -> None:
        if disk_full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        add_taps(store, taps)

    monkeypatch.setattr(SqliteStore, "add_taps", add_taps_unless_full)
    recorder = Recorder(tmp_path)
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    recorder.flush()

    disk_full.set()
    recorder.tap(tap(session_id, 0, 1))
    recorder.tap(tap(session_id, 0, 2))
    with pytest.raises(RecorderError, match=r"2 records could not be committed.*kept"):
        recorder.flush()
    assert isinstance(recorder.error, sqlite3.OperationalError)
    assert stored_taps(tmp_path, session_id) == [tap(session_id, 0, 0)]

    disk_full.clear()
    recorder.tap(tap(session_id, 0, 3))
    recorder.flush()
    recorder.close()
    assert stored_taps(tmp_path, session_id) == [tap(session_id, 0, index) for index in range(4)]


def test_a_really_full_disk_loses_nothing_committed(tmp_path: Path) -> None:
    open_store(tmp_path).close()

    def open_nearly_full(data_dir: Path) -> Store:
        # Room for one more page: SQLite then answers as if the disk were full.
        return SqliteStore.open(data_dir, connect=connect_with_room_for(1))

    recorder = Recorder(tmp_path, open_store=open_nearly_full)
    session_id = start_session(recorder)
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    recorder.flush()
    for index in range(1, 5000):
        recorder.tap(tap(session_id, 0, index))
    with pytest.raises(RecorderError, match=r"4999 records could not be committed.*lost"):
        recorder.close()
    assert isinstance(recorder.error, sqlite3.OperationalError)

    assert raw_sql(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    store = open_store(tmp_path)
    assert [row.tap for row in store.iter_taps(session_id)] == [tap(session_id, 0, 0)]
    assert store.session_counts(session_id).task_count == 1
    store.close()


def test_a_database_from_a_newer_onbeat_stops_the_recorder_at_once(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    newer = newest_version() + 1
    raw_sql(tmp_path, f"INSERT INTO schema_version VALUES ({newer}, '2030-01-01')")
    with pytest.raises(SchemaTooNewError):
        Recorder(tmp_path)


def test_nothing_can_be_recorded_after_close(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.close()
    recorder.close()
    with pytest.raises(RecorderError, match="closed"):
        recorder.tap(tap(1, 0, 0))
    with pytest.raises(RecorderError, match="closed"):
        recorder.flush()


def test_calibration_plan_and_adaptation_steps_go_through_the_writer(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    plan_id = store.add_session_plan("Week 1", [PlanStep("hands-1")])
    store.close()
    calibration = SessionCalibration(-6.5, "2026-01-04T16:00:00+00:00", "tap test")
    recorder = Recorder(tmp_path)
    session_id = start_session(recorder, calibration=calibration, plan_id=plan_id)
    recorder.task(task_start(session_id))
    step = AdaptationStep(session_id, 0, 0, 192_000, 1, "up", 66.0, None, None, 0.9)
    recorder.adaptation_step(step)
    recorder.close()

    store = open_store(tmp_path)
    try:
        assert store.session(session_id).calibration == calibration
        assert store.session(session_id).plan_id == plan_id
        assert store.adaptation_steps(session_id) == [step]
    finally:
        store.close()
