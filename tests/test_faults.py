"""Fault injection on the database, through run.py as a person runs it: damaged, truncated,
changed, too new and too old databases; a write lock held by another process; a full disk;
read-only media; kill -9 of a recording process. Each run must end with advice that fits
the cause and no traceback, and the database must pass SQLite's integrity check with every
row it held before.

Full and read-only disks are small tmpfs mounts (root may mount; root ignores permission
bits, but not a read-only mount). Without the right to mount, those tests are skipped.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.fault_rigs import (
    ROOT,
    Home,
    assert_refused,
    assert_sound,
    copy_of,
    database_state,
    fill_disk,
    make_home,
    make_read_only,
    read_line,
    run_cli,
    small_disk,
    write_lock_held,
)
from tests.records_factory import make_database_of_schema

DAMAGED = ("is damaged or is not an OnBeat database", "PRAGMA integrity_check", "backup")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def demo(home: Home, data_dir: Path) -> subprocess.CompletedProcess:
    return run_cli(home, "demo", "--level", str(home.level), "--data-dir", str(data_dir))


def export(home: Home, data_dir: Path, out: Path | str, *more: str) -> subprocess.CompletedProcess:
    return run_cli(home, "export", "--data-dir", str(data_dir), "--out", str(out), *more)


def report(home: Home, data_dir: Path, out: Path, *which: str) -> subprocess.CompletedProcess:
    return run_cli(home, "report", "--data-dir", str(data_dir), "--out", str(out), *which)


def sql(data_dir: Path, *statements: str) -> None:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        with connection:
            for statement in statements:
                connection.execute(statement)
    finally:
        connection.close()


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- damaged databases ----------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["not a database", "truncated"])
def test_a_damaged_database_says_how_to_check_it_and_is_left_as_it_is(
    home: Home, recorded: Path, tmp_path: Path, damage: str
) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / DATABASE_FILE_NAME
    if damage == "not a database":
        data_dir.mkdir(mode=0o700)
        database.write_bytes(b"Session notes, not a database\n" * 200)
    else:
        copy_of(recorded, data_dir)
        with open(database, "r+b") as handle:  # the pages of the tables are gone
            handle.truncate(2 * 4096)
    damaged_bytes = database.read_bytes()
    for result in (
        demo(home, data_dir),
        export(home, data_dir, tmp_path / "taps.csv"),
        report(home, data_dir, tmp_path / "r.html", "--session", "1"),
    ):
        message = assert_refused(result, 1, *DAMAGED, str(database))
        assert "full" not in message  # not the advice of another cause
    assert database.read_bytes() == damaged_bytes
    assert not (tmp_path / "taps.csv").exists() and not (tmp_path / "r.html").exists()


def test_a_missing_table_is_damage_not_a_full_disk(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    data_dir = copy_of(recorded, tmp_path / "data")
    before = database_state(data_dir)
    sql(data_dir, "DROP TABLE taps")
    for result in (demo(home, data_dir), export(home, data_dir, tmp_path / "taps.csv")):
        message = assert_refused(result, 1, "the table 'taps' is missing", *DAMAGED)
        assert "free" not in message.lower()
    state = database_state(data_dir)  # nothing else changed
    assert state.integrity == [("ok",)] and state.statuses == before.statuses
    assert state.rows == {**before.rows, "taps": -1}


def test_a_database_of_a_newer_onbeat_asks_for_an_update(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    data_dir = copy_of(recorded, tmp_path / "data")
    sql(data_dir, "INSERT INTO schema_version VALUES (99, '2031-01-01T00:00:00+00:00')")
    before = assert_sound(data_dir)
    for result in (demo(home, data_dir), export(home, data_dir, tmp_path / "t.csv")):
        assert_refused(result, 1, "newer OnBeat", "schema version 99", "update OnBeat")
    assert database_state(data_dir) == before


def test_reading_an_old_database_asks_for_a_write_command_first(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database as the OnBeat before session owners made it (schema 3): export and
    report only read, so they do not upgrade it; a recording command does, keeping it all."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    make_database_of_schema(data_dir, 3, monkeypatch)
    sql(
        data_dir,
        "INSERT INTO profiles (code, display_name, created_at_utc) "
        "VALUES ('P-ABCDEF', 'Robin', '2026-01-05T09:00:00+00:00')",
        "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
        "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, status) "
        "VALUES (1, 'frog-hop', 'Frog Hop', 'levels/pond/frog-hop.yaml', 'room-2', 48000, "
        "0, 20, '2026-01-05T10:00:00+00:00', 'running')",
    )
    old_bytes = (data_dir / DATABASE_FILE_NAME).read_bytes()
    result = export(home, data_dir, tmp_path / "s.csv", "--what", "sessions")
    assert_refused(result, 1, "older OnBeat", "schema version 3", "write command")
    assert (data_dir / DATABASE_FILE_NAME).read_bytes() == old_bytes  # not even migrated

    assert demo(home, data_dir).returncode == 0  # a write command upgrades it
    result = export(home, data_dir, "-", "--what", "sessions")
    assert result.returncode == 0, result.stderr
    rows = csv_rows(result.stdout)
    # The old session kept, marked incomplete: the OnBeat that left it running is gone.
    assert [(row["level_id"], row["status"]) for row in rows] == [
        ("frog-hop", "incomplete"),
        ("tiny", "complete"),
    ]
    assert_sound(data_dir)


def test_a_data_folder_that_is_a_file(home: Home, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("not a folder\n", encoding="utf-8")
    assert_refused(demo(home, not_a_folder), 1, "is a file, not a folder", "--data-dir")
    assert_refused(export(home, not_a_folder, tmp_path / "t.csv"), 1, "no OnBeat data")
    assert not_a_folder.read_text(encoding="utf-8") == "not a folder\n"


# --- another OnBeat holds the database --------------------------------------------------------
def test_a_locked_database_says_wait_and_readers_still_work(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    data_dir = copy_of(recorded, tmp_path / "data")
    before = assert_sound(data_dir)
    with write_lock_held(data_dir):
        assert_refused(
            demo(home, data_dir), 1, "in use by another program", "Wait for it to finish"
        )
        # Readers take no write lock: exports and reports work beside a recording OnBeat.
        taps = export(home, data_dir, "-")
        assert taps.returncode == 0, taps.stderr
        assert len(csv_rows(taps.stdout)) == before.rows["taps"]
        page = report(home, data_dir, tmp_path / "r.html", "--session", "1")
        assert page.returncode == 0, page.stderr
    assert database_state(data_dir) == before


# --- a full disk ------------------------------------------------------------------------------
def test_a_full_disk_says_free_space_and_keeps_what_was_stored(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", 2048) as disk:
        data_dir = copy_of(recorded, disk / "data")
        old_export = disk / "taps.csv"
        assert export(home, data_dir, old_export).returncode == 0
        old_bytes = old_export.read_bytes()
        before = assert_sound(data_dir)
        filler = fill_disk(disk)

        message = assert_refused(demo(home, data_dir), 1, "is full", "Free some space", "kept")
        assert "damaged" not in message
        assert database_state(data_dir) == before
        # An export onto the full disk leaves the old file whole.
        assert_refused(export(home, data_dir, old_export), 1, "the disk is full", "Nothing was")
        assert old_export.read_bytes() == old_bytes

        filler.unlink()
        assert demo(home, data_dir).returncode == 0
        after = assert_sound(data_dir, before)
        assert after.statuses == [(1, "complete"), (2, "complete")]


# --- read-only media --------------------------------------------------------------------------
def test_read_only_media_can_be_read_but_not_recorded_on(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", 4096) as disk:
        data_dir = copy_of(recorded, disk / "data")
        before = database_state(data_dir)
        profile = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
        (profile_code,) = profile.execute("SELECT code FROM profiles").fetchone()
        profile.close()
        crashed = _copy_with_unmerged_log(data_dir, disk / "crashed")
        make_read_only(disk)

        taps = export(home, data_dir, "-")
        assert taps.returncode == 0, taps.stderr
        assert len(csv_rows(taps.stdout)) == before.rows["taps"]
        for which in (("--session", "1"), ("--profile", profile_code)):
            page = report(home, data_dir, tmp_path / "r.html", *which)
            assert page.returncode == 0, page.stderr
        # A copy left with its write-ahead log (a crash): the log's changes are read too.
        sessions = export(home, crashed, "-", "--what", "sessions")
        assert sessions.returncode == 0, sessions.stderr
        assert [row["station"] for row in csv_rows(sessions.stdout)] == ["after the crash"]

        assert_refused(
            demo(home, data_dir), 1, "cannot be written", "read-only media", "export, report"
        )
        assert_refused(demo(home, disk / "new-data"), 1, "read-only media")
        assert database_state(data_dir) == before


def _copy_with_unmerged_log(data_dir: Path, copy_dir: Path) -> Path:
    """A copy of the data folder as a crash leaves it: a change still only in the -wal."""
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME, isolation_level=None)
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("UPDATE sessions SET station = 'after the crash'")
    copy_dir.mkdir(mode=0o700)
    for suffix in ("", "-wal", "-shm"):
        shutil.copy2(f"{data_dir / DATABASE_FILE_NAME}{suffix}", copy_dir)
    connection.execute("UPDATE sessions SET station = 'room-2'")  # the original, as it was
    connection.close()
    assert Path(f"{copy_dir / DATABASE_FILE_NAME}-wal").stat().st_size > 0
    return copy_dir


# --- kill -9 of a recording process ----------------------------------------------------------
def test_a_live_session_is_never_touched_and_a_killed_one_is_closed(
    home: Home, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "recording_child.py"), str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
    )
    try:
        session_id = int(read_line(child).split()[1])
        for _ in range(50):  # half a second of taps
            read_line(child)
        # Another OnBeat opens the store for writing while the child records.
        assert demo(home, data_dir).returncode == 0
        assert (session_id, "running") in database_state(data_dir).statuses
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    killed = database_state(data_dir)
    assert killed.integrity == [("ok",)]
    assert (session_id, "running") in killed.statuses
    kept_taps = taps_of(data_dir, session_id)
    assert kept_taps >= 50

    # A reader neither waits for nor changes anything; a writer closes the dead session.
    sessions = export(home, data_dir, "-", "--what", "sessions")
    assert sessions.returncode == 0 and "Traceback" not in sessions.stderr
    assert database_state(data_dir) == killed
    assert demo(home, data_dir).returncode == 0
    after = assert_sound(data_dir, killed)
    statuses = dict(after.statuses)
    assert statuses[session_id] == "incomplete"
    assert set(statuses.values()) == {"complete", "incomplete"}
    assert taps_of(data_dir, session_id) == kept_taps


def taps_of(data_dir: Path, session_id: int) -> int:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM taps WHERE session_id = ?", (session_id,)
        ).fetchone()
    finally:
        connection.close()
    return count
