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

import engine.store.recorder as recorder_module
from engine.store.recorder import Recorder, RecorderError
from engine.store.records import BeatRecord, TapRecord, TaskStart
from engine.store.sqlite import (
    SESSION_COMPLETE,
    SESSION_RUNNING,
    AdaptationStep,
    PlanStep,
    SchemaTooNewError,
    SessionCalibration,
    Store,
)
from tests.records_factory import session_start


def task_start(session_id: int, task_index: int = 0) -> TaskStart:
    return TaskStart(session_id, task_index, f"task {task_index}", "{}", 60.0, 96_000)


def beats(session_id: int, task_index: int, count: int) -> list[BeatRecord]:
    return [
        BeatRecord(session_id, task_index, index, "right_hand", 96_000 + 48_000 * index, True)
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
    )


@pytest.fixture
def recorder(tmp_path: Path):
    opened = Recorder(tmp_path)
    yield opened
    opened.close()


def stored_taps(data_dir: Path, session_id: int | None = None) -> list[TapRecord]:
    """What another connection sees committed."""
    store = Store.open(data_dir)
    try:
        return [row.tap for row in store.iter_tap_rows(session_id)]
    finally:
        store.close()


def test_several_sessions_round_trip(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    sent: dict[int, list[TapRecord]] = {}
    for profile_name in ("Robin", "Sam", "Robin"):
        session_id = recorder.start_session(session_start(profile_name))
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

    store = Store.open(tmp_path)
    for session_id, taps in sent.items():
        assert [row.tap for row in store.iter_tap_rows(session_id)] == taps
        summary = store.session_summary(session_id)
        assert summary.status == SESSION_COMPLETE
        assert (summary.task_count, summary.beat_count) == (2, 8)
        assert (summary.tap_count, summary.paired_tap_count) == (10, 8)
    codes = [store.session_summary(session_id).profile_code for session_id in sent]
    assert codes[0] == codes[2] != codes[1]
    store.close()


def test_flush_commits_everything_queued_so_far(recorder: Recorder, tmp_path: Path) -> None:
    session_id = recorder.start_session(session_start())
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
    first = recorder.start_session(session_start())
    recorder.task(task_start(first))
    recorder.tap(tap(first, 0, 0))
    second = recorder.start_session(session_start("Sam"))
    assert second > first
    assert stored_taps(tmp_path, first) == [tap(first, 0, 0)]


def test_records_are_committed_without_flush(recorder: Recorder, tmp_path: Path) -> None:
    session_id = recorder.start_session(session_start())
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    deadline_s = time.monotonic() + 10.0
    while not stored_taps(tmp_path) and time.monotonic() < deadline_s:
        time.sleep(0.01)
    assert stored_taps(tmp_path) == [tap(session_id, 0, 0)]


def test_session_left_running_is_visible_before_close(recorder: Recorder, tmp_path: Path) -> None:
    session_id = recorder.start_session(session_start())
    store = Store.open(tmp_path)
    assert store.session_summary(session_id).status == SESSION_RUNNING
    store.close()


def test_tap_does_not_wait_for_a_busy_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer_inside = threading.Event()
    release_writer = threading.Event()
    writer_was_released: list[bool] = []
    add_taps = Store.add_taps

    def slow_add_taps(store: Store, taps: list[TapRecord]) -> None:
        writer_inside.set()
        if not writer_was_released:
            # If tap() blocked, nobody would set release_writer: fail instead of hanging.
            writer_was_released.append(release_writer.wait(10.0))
        add_taps(store, taps)

    monkeypatch.setattr(Store, "add_taps", slow_add_taps)
    recorder = Recorder(tmp_path, commit_interval_s=0.0)
    session_id = recorder.start_session(session_start())
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
    session_id = recorder.start_session(session_start())
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
    session_id = recorder.start_session(session_start())
    recorder.end_session(session_id, "2026-01-05T10:07:00+00:00", "done")
    with pytest.raises(RecorderError, match="status"):
        recorder.flush()
    assert isinstance(recorder.error, ValueError)


def test_a_failed_start_is_raised_and_the_recorder_goes_on(recorder: Recorder) -> None:
    with pytest.raises(RecorderError, match="hands-1") as raised:
        recorder.start_session(session_start(profile_name=""))
    assert isinstance(raised.value.__cause__, ValueError)
    assert recorder.error is raised.value.__cause__
    assert recorder.start_session(session_start()) > 0


def test_records_are_kept_and_retried_while_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full = threading.Event()
    add_taps = Store.add_taps

    def add_taps_unless_full(store: Store, taps: list[TapRecord]) -> None:
        if disk_full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        add_taps(store, taps)

    monkeypatch.setattr(Store, "add_taps", add_taps_unless_full)
    recorder = Recorder(tmp_path)
    session_id = recorder.start_session(session_start())
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


def test_a_really_full_disk_loses_nothing_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NearlyFullDiskStore(Store):
        @classmethod
        def open(cls, data_dir: Path) -> Store:
            store = super().open(data_dir)
            # Room for one more page: SQLite then answers as if the disk were full.
            (page_count,) = store._connection.execute("PRAGMA page_count").fetchone()
            store._connection.execute(f"PRAGMA max_page_count = {page_count + 1}")
            return store

    monkeypatch.setattr(recorder_module, "Store", NearlyFullDiskStore)
    recorder = Recorder(tmp_path)
    session_id = recorder.start_session(session_start())
    recorder.task(task_start(session_id))
    recorder.tap(tap(session_id, 0, 0))
    recorder.flush()
    for index in range(1, 5000):
        recorder.tap(tap(session_id, 0, index))
    with pytest.raises(RecorderError, match=r"4999 records could not be committed.*lost"):
        recorder.close()
    assert isinstance(recorder.error, sqlite3.OperationalError)

    store = Store.open(tmp_path)
    assert store._connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [row.tap for row in store.iter_tap_rows(session_id)] == [tap(session_id, 0, 0)]
    assert store.session_summary(session_id).task_count == 1
    store.close()


def test_a_database_from_a_newer_onbeat_stops_the_recorder_at_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with store.transaction():
        store._connection.execute("INSERT INTO schema_version VALUES (7, '2030-01-01')")
    store.close()
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
    store = Store.open(tmp_path)
    plan_id = store.add_session_plan("Week 1", [PlanStep("hands-1")])
    store.close()
    calibration = SessionCalibration(-6.5, "2026-01-04T16:00:00+00:00", "tap test")
    recorder = Recorder(tmp_path)
    session_id = recorder.start_session(session_start(), calibration, plan_id)
    recorder.task(task_start(session_id))
    step = AdaptationStep(session_id, 0, 0, 192_000, 1, "up", 66.0, None, None, 0.9)
    recorder.adaptation_step(step)
    recorder.close()

    store = Store.open(tmp_path)
    try:
        assert store.session(session_id).calibration == calibration
        assert store.session(session_id).plan_id == plan_id
        assert store.adaptation_steps(session_id) == [step]
    finally:
        store.close()
