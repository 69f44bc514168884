"""Where exports and reports go, and who may read what OnBeat writes.

Outputs: ``-`` and /dev/stdout are the standard output, a FIFO or a device is written
through and stays what it was, a symbolic link stays a link, a regular file appears whole
and owner-only. Files: under the usual umask 022 the data folder is 0700 and every database
file 0600, older files are repaired on open, exports, reports and the log are 0600. CSV
cells that would run as spreadsheet formulas are neutralised; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from engine.reports.export import export
from engine.reports.output import OutputError, output_target
from engine.reports.service import ReportRequest, render_report
from engine.store.opening import open_store
from engine.store.records import BeatRecord, TapRecord, TaskRecord
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.fault_rigs import Home, copy_of, database_state, make_home, run_cli
from tests.records_factory import start_session

FORMULAS = ("=1+2", "+SUM(A1:A9)", "-2+3", "@cmd", "\tindented", "\rreturn")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


@pytest.fixture
def data_dir(recorded: Path, tmp_path: Path) -> Path:
    return copy_of(recorded, tmp_path / "data")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def export_to(home: Home, data_dir: Path, out: str, **options: object):
    return run_cli(home, "export", "--data-dir", str(data_dir), "--out", out, **options)


def test_an_export_through_a_fifo_reaches_the_reader_and_the_fifo_stays(
    home: Home, data_dir: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "taps.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = export_to(home, data_dir, str(fifo))
    reader.join(60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    rows = list(csv.DictReader(io.StringIO(received[0].decode("utf-8"))))
    taps = database_state(data_dir).rows["taps"]
    assert len(rows) == taps and f"Wrote {taps} taps to {fifo}" in result.stdout


@pytest.mark.parametrize("out", ["-", "/dev/stdout"])
def test_an_export_to_stdout_leaves_stdout_to_the_data(
    home: Home, data_dir: Path, out: str
) -> None:
    result = export_to(home, data_dir, out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    taps = database_state(data_dir).rows["taps"]
    assert len(rows) == taps and {row["session_id"] for row in rows} == {"1"}
    assert f"Wrote {taps} taps to {out}" in result.stderr


def test_a_report_to_stdout(home: Home, data_dir: Path) -> None:
    report = ("report", "--session", "1", "--format", "json", "--out", "-")
    result = run_cli(home, *report, "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["session"]["session_id"] == 1
    assert "Wrote -" in result.stderr


def test_a_device_is_written_through_never_replaced(
    home: Home, data_dir: Path, tmp_path: Path
) -> None:
    # A node of its own (the null device's numbers) rather than /dev/null itself, so that a
    # failing test cannot break the machine.
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    result = export_to(home, data_dir, str(null))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode) and null.stat().st_rdev == os.makedev(1, 3)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".null")] == []


def test_a_symbolic_link_stays_and_its_file_is_replaced_whole(
    home: Home, data_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "kept" / "taps.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    result = export_to(home, data_dir, str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == database_state(data_dir).rows["taps"]
    assert mode_of(target) == 0o600


def test_outputs_that_cannot_be_written_are_refused_before_anything(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        output_target(tmp_path)
    with pytest.raises(OutputError, match="is empty"):
        output_target("")
    with pytest.raises(OutputError, match="does not exist; make it first"):
        output_target(tmp_path / "missing" / "t.csv")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputError, match="socket"):
            output_target(tmp_path / "sock")
    finally:
        server.close()
    assert output_target("-").is_stdout


# --- who may read what OnBeat writes ----------------------------------------------------------
def test_files_are_owner_only_under_umask_022(home: Home, tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    result = run_cli(
        home, "demo", "--level", str(home.level), "--data-dir", str(data_dir), umask=0o022
    )
    assert result.returncode == 0, result.stderr
    assert mode_of(data_dir) == 0o700
    assert mode_of(data_dir / DATABASE_FILE_NAME) == 0o600
    for out in ("taps.csv", "sessions.json"):
        result = export_to(home, data_dir, str(tmp_path / out), umask=0o022)
        assert result.returncode == 0 and mode_of(tmp_path / out) == 0o600
    report = ("report", "--session", "1", "--out", str(tmp_path / "r.html"))
    result = run_cli(home, *report, "--data-dir", str(data_dir), umask=0o022)
    assert result.returncode == 0 and mode_of(tmp_path / "r.html") == 0o600
    assert mode_of(home.log_file) == 0o600 and mode_of(home.log_file.parent) == 0o700

    old_umask = os.umask(0o022)
    try:
        store = open_store(data_dir)  # the log and shared memory exist while a store is open
        try:
            store.create_profile("Robin")
            companions = [Path(f"{data_dir / DATABASE_FILE_NAME}{s}") for s in ("-wal", "-shm")]
            assert [mode_of(path) for path in companions] == [0o600, 0o600]
        finally:
            store.close()
    finally:
        os.umask(old_umask)


def test_files_of_an_older_onbeat_are_made_private_when_opened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    open_store(data_dir).close()
    database = data_dir / DATABASE_FILE_NAME
    wal = Path(f"{database}-wal")
    wal.write_bytes(b"")
    for path, mode in ((data_dir, 0o755), (database, 0o644), (wal, 0o644)):
        path.chmod(mode)
    open_store(data_dir, read_only=True).close()  # a reader repairs too
    assert [mode_of(data_dir), mode_of(database)] == [0o700, 0o600]

    shared = tmp_path / "shared"  # a folder people share: only OnBeat's files change
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "notes.txt").write_text("someone else's\n", encoding="utf-8")
    open_store(shared).close()
    assert mode_of(shared) == 0o1777 and mode_of(shared / DATABASE_FILE_NAME) == 0o600


# --- spreadsheet formulas ---------------------------------------------------------------------
def store_with_formulas(data_dir: Path) -> None:
    store = open_store(data_dir)
    try:
        session_id = start_session(store, "Robin", level_id=FORMULAS[0], level_title=FORMULAS[1])
        store.add_task(
            TaskRecord(
                session_id=session_id,
                task_index=0,
                task_name=FORMULAS[3],
                tempo_bpm_start=60.0,
                tempo_bpm_end=60.0,
                start_frame=96_000,
                settings_json="{}",
            )
        )
        store.add_beats(
            [BeatRecord(session_id, 0, 0, "left_toe", 96_000, 60.0, 1000.0, 15.0, 45.0, 100.0)]
        )
        store.add_taps(
            [
                TapRecord(
                    session_id,
                    0,
                    0,
                    "left_toe",
                    1,
                    "polled",
                    95_400,
                    1.9875,
                    0,
                    -12.5,
                    "good",
                    sro_ms=15.0,
                    good_ms=45.0,
                    ok_ms=100.0,
                )
            ]
        )
        store.end_session(session_id, "2026-01-05T10:07:00+00:00", "complete")
    finally:
        store.close()


def test_text_that_would_run_as_a_formula_is_neutralised_and_numbers_stay(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store_with_formulas(data_dir)
    store = open_store(data_dir, read_only=True)
    try:
        for what in ("taps", "tasks", "sessions"):
            export(store, tmp_path / f"{what}.csv", what, "csv")
            export(store, tmp_path / f"{what}.json", what, "json")
        report = render_report(store, ReportRequest("csv", session_id=1)).decode("utf-8")
    finally:
        store.close()

    def rows(what: str) -> list[dict[str, str]]:
        with (tmp_path / f"{what}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    (tap,) = rows("taps")
    assert tap["level_id"] == "'=1+2"
    assert tap["asynchrony_ms"] == "-12.5000"  # a number, not text
    (task,) = rows("tasks")
    assert task["task_name"] == "'@cmd"
    (session,) = rows("sessions")
    assert (session["level_id"], session["level_title"]) == ("'=1+2", "'+SUM(A1:A9)")
    assert session["input_offset_ms"] == "12.5"
    (json_session,) = json.loads((tmp_path / "sessions.json").read_text(encoding="utf-8"))
    assert json_session["level_title"] == "+SUM(A1:A9)"  # JSON is data, not a sheet
    report_rows = list(csv.DictReader(io.StringIO(report)))
    assert report_rows[0]["task_name"] == "'@cmd"
    assert float(report_rows[0]["mean_asynchrony_ms"]) == -12.5


@pytest.mark.parametrize("text", FORMULAS)
def test_every_formula_start_is_neutralised(text: str) -> None:
    from engine.reports.export import csv_text

    assert csv_text(text) == "'" + text
    assert csv_text(-12.5) == -12.5 and csv_text("Frog Hop") == "Frog Hop"
