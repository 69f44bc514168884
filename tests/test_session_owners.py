"""A session belongs to a live process; a reader changes nothing; the schema moves forward
without losing a row. Real database files, real processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.metrics.progress import profile_progress, refresh_limb_stats
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.owners import (
    OwnerState,
    ProcessOwner,
    owner_state,
    process_start_token,
    this_process,
)
from engine.store.protocol import (
    SchemaTooOldError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)
from engine.store.recorder import Recorder, RecorderError
from engine.store.records import MAX_PROFILE_NAME_CHARS, TapRecord, TaskRecord
from engine.store.sqlite.store import DATABASE_FILE_NAME, SqliteStore
from tests.clinic_factory import add_session
from tests.records_factory import make_database_of_schema, start_session
from tests.sqlite_limits import connect_with_room_for


def owner_rows(data_dir: Path) -> list[tuple]:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        return connection.execute(
            "SELECT session_id, host, pid, process_started FROM session_owners"
        ).fetchall()
    finally:
        connection.close()


def set_owner(data_dir: Path, session_id: int, owner: ProcessOwner) -> None:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        with connection:
            connection.execute(
                "UPDATE session_owners SET host = ?, pid = ?, process_started = ? "
                "WHERE session_id = ?",
                (owner.host, owner.pid, owner.started, session_id),
            )
    finally:
        connection.close()


def finished_process() -> ProcessOwner:
    """The owner a process had, taken while it ran; it has ended since."""
    child = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    token = process_start_token(child.pid)
    child.communicate(b"\n")
    assert token is not None and process_start_token(child.pid) is None
    return ProcessOwner(this_process().host, child.pid, token)


def test_each_session_records_its_process(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    session_id = start_session(store)
    store.close()
    me = this_process()
    assert owner_rows(tmp_path) == [(session_id, me.host, me.pid, me.started)]
    assert me.started  # on Linux: boot id and start time from /proc
    assert owner_state(me) is OwnerState.ALIVE


@pytest.mark.parametrize(
    ("owner_of", "status"),
    [
        (lambda: this_process(), "running"),  # alive: never touched
        (finished_process, "incomplete"),  # ended: its session is closed
        # The id is alive but belongs to a later process: the owner is gone.
        (lambda: ProcessOwner(this_process().host, this_process().pid, "old boot:7"), "incomplete"),
        (lambda: ProcessOwner("another-station", 1, "x:1"), "running"),  # only it can tell
    ],
)
def test_opening_for_writing_closes_only_sessions_whose_process_is_gone(
    tmp_path: Path, owner_of, status: str
) -> None:
    store = open_store(tmp_path)
    session_id = start_session(store)
    store.close()
    set_owner(tmp_path, session_id, owner_of())
    reader = open_store(tmp_path, read_only=True)  # a reader never marks
    assert reader.session(session_id).status == "running"
    reader.close()
    store = open_store(tmp_path)
    assert store.session(session_id).status == status
    assert store.session(session_id).ended_at_utc is None
    store.close()


def test_a_schema_3_database_upgrades_without_losing_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real file as the OnBeat before owners made it, with a running session."""
    make_database_of_schema(tmp_path, 3, monkeypatch)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        fill_like_onbeat_3(connection)
    connection.close()
    running = 2
    before = _dump(tmp_path)
    store = open_store(tmp_path)
    assert store.schema_version() == newest_version() >= 4
    assert store.session(running).status == "incomplete"  # its OnBeat kept no owner
    store.close()
    after = _dump(tmp_path)
    assert before.keys() | {"session_owners"} <= after.keys()
    assert after["session_owners"] == []
    for table, rows in before.items():
        if table not in ("sessions", "schema_version"):
            # Later migrations may add columns at the end (profiles: archived_at_utc).
            width = len(rows[0]) if rows else 0
            assert [row[:width] for row in after[table]] == rows, table
    versions = [row[0] for row in after["schema_version"]]
    assert versions == list(range(1, newest_version() + 1))
    assert [row[:-1] for row in after["sessions"]] == [row[:-1] for row in before["sessions"]]
    assert sum(len(rows) for rows in before.values()) >= 1 + 2 + 2 + 8 + 8 + 1 + 1
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    connection.close()


def fill_like_onbeat_3(connection: sqlite3.Connection) -> None:
    """What the OnBeat of schema 3 wrote: a profile, a complete and a crashed session with
    their tasks, targets and taps, a note and a place on an adaptive level."""
    connection.execute(
        "INSERT INTO profiles (id, code, display_name, created_at_utc, birth_year) "
        "VALUES (1, 'P-ABCDEF', 'Robin', '2026-01-05T09:00:00+00:00', 2017)"
    )
    ends = {1: ("2026-01-05T10:07:00+00:00", "complete"), 2: (None, "running")}
    for session_id, (ended, status) in ends.items():
        connection.execute(
            "INSERT INTO sessions (id, profile_id, level_id, level_title, level_path, station, "
            "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
            "status) VALUES (?, 1, 'frog-hop', 'Frog Hop', 'levels/pond/frog-hop.yaml', "
            "'room-2', 48000, 12.5, 23.25, ?, ?, ?)",
            (session_id, f"2026-01-0{4 + session_id}T10:00:00+00:00", ended, status),
        )
        connection.execute(
            "INSERT INTO tasks VALUES (?, 0, 'Hop', '{}', 60.0, 96000)", (session_id,)
        )
        connection.executemany(
            "INSERT INTO beats VALUES (?, 0, ?, 'both_hands', ?, 1)",
            [(session_id, beat, 96_000 + 48_000 * beat) for beat in range(4)],
        )
        connection.executemany(
            "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, "
            "stamp_source, audio_frame, audio_time_s, beat_index, asynchrony_ms, judgement) "
            "VALUES (?, 0, ?, 'right_hand', ?, 'polled', ?, 2.0, ?, 1.5, 'sro')",
            [(session_id, beat, 10**18 + beat, 96_072 + 48_000 * beat, beat) for beat in range(4)],
        )
    connection.execute(
        "INSERT INTO notes (profile_id, session_id, written_at_utc, author, body) "
        "VALUES (1, 1, '2026-01-05T10:10:00+00:00', 'OT Kim', 'Good focus')"
    )
    connection.execute(
        "INSERT INTO adaptive_positions VALUES (1, 'frog-hop', 3.5, '2026-01-05T10:07:00+00:00')"
    )


def _dump(data_dir: Path) -> dict[str, list[tuple]]:
    """Every row of every table; sessions with their status last."""
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        dump = {
            t: connection.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables
        }
        dump["sessions"] = connection.execute(
            "SELECT id, profile_id, level_id, started_at_utc, ended_at_utc, status FROM sessions"
        ).fetchall()
        return dump
    finally:
        connection.close()


# --- a reader changes nothing -----------------------------------------------------------------
def test_a_reader_computes_progress_in_memory_and_leaves_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rng = np.random.default_rng(7)
    for day in (5, 6, 7):
        add_session(store, rng, "Robin", f"2026-01-{day:02d}T10:00:00+00:00")
    code = store.list_profiles()[0].code
    store.close()
    file_bytes = (tmp_path / DATABASE_FILE_NAME).read_bytes()

    reader = open_store(tmp_path, read_only=True)
    assert reader.read_only
    read = profile_progress(reader, code)
    assert refresh_limb_stats(reader) == 0  # kept in memory while it is open
    with pytest.raises(sqlite3.OperationalError, match="readonly") as refused:
        reader.create_profile("Sam")
    assert isinstance(reader.explain(refused.value), StoreReadOnlyError)
    reader.close()
    assert (tmp_path / DATABASE_FILE_NAME).read_bytes() == file_bytes

    writer = open_store(tmp_path)
    written = profile_progress(writer, code)  # stores the sums
    writer.close()
    assert [p.task_average_ms for p in read.overall] == [p.task_average_ms for p in written.overall]
    assert [limb.limb for limb in read.limbs] == [limb.limb for limb in written.limbs]


def test_a_reader_does_not_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_database_of_schema(tmp_path, 3, monkeypatch)
    with pytest.raises(SchemaTooOldError, match="write command"):
        open_store(tmp_path, read_only=True)
    assert sqlite3.connect(tmp_path / DATABASE_FILE_NAME).execute(
        "SELECT MAX(version) FROM schema_version"
    ).fetchone() == (3,)


# --- the advice of the recorder and the store -------------------------------------------------
def test_a_disk_that_fills_mid_session_keeps_the_session_so_far(tmp_path: Path) -> None:
    """Without mounting a disk: the database may not grow (tests/sqlite_limits.py)."""
    store = open_store(tmp_path)
    session_id = start_session(store)
    store.add_task(
        TaskRecord(
            session_id=session_id,
            task_index=0,
            task_name="t",
            tempo_bpm_start=60.0,
            tempo_bpm_end=60.0,
            start_frame=0,
            settings_json="{}",
        )
    )
    store.close()
    recorder = Recorder(
        tmp_path, open_store=lambda d: SqliteStore.open(d, connect_with_room_for(16))
    )

    def tap(index: int) -> TapRecord:
        return TapRecord(
            session_id,
            0,
            index,
            "left_toe",
            index,
            "polled",
            index,
            0.0,
            None,
            None,
            "extra",
            None,
            None,
            None,  # an extra tap was judged with no target's windows
        )

    for index in range(50):
        recorder.tap(tap(index))
    recorder.flush()  # the session so far, committed
    for index in range(50, 20_000):  # far more than 16 pages hold
        recorder.tap(tap(index))
    with pytest.raises(RecorderError) as raised:
        recorder.close()
    message = str(raised.value)
    assert "could not be committed and are lost" in message
    assert "everything recorded before them is kept" in message
    assert "is full" in message and "Free some space" in message
    store = open_store(tmp_path)
    kept = store.count_taps(session_id)
    store.close()
    assert 50 <= kept < 20_000


def test_locked_and_full_errors_are_told_apart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        locked = sqlite3.OperationalError("database is locked")
        locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
        full = sqlite3.OperationalError("database or disk is full")
        full.sqlite_errorcode = sqlite3.SQLITE_FULL
        assert isinstance(store.explain(locked), StoreLockedError)
        assert isinstance(store.explain(full), StoreFullError)
        assert store.explain(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
        assert store.explain(ValueError("a bug")) is None
    finally:
        store.close()


def test_profile_names_have_a_sensible_length(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        code = store.create_profile("R" * MAX_PROFILE_NAME_CHARS)
        assert store.profile(code).display_name.startswith("RRR")
        with pytest.raises(ValueError, match=f"at most {MAX_PROFILE_NAME_CHARS} characters"):
            store.create_profile("R" * (MAX_PROFILE_NAME_CHARS + 1))
        with pytest.raises(ValueError, match="one line"):
            store.create_profile("Robin\nSam")
        with pytest.raises(ValueError, match="blank"):
            store.create_profile(" ")
    finally:
        store.close()
