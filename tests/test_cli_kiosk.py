"""`run.py kiosk setup` and `run.py audit` as a person runs them: real processes, real files,
a real terminal (a pty) for the PIN asked without echo."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import signal
import sqlite3
import stat
import sys
import time
from pathlib import Path

import pytest

from engine.session.station_pin import PIN_HASH_SETTING, pin_matches
from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.test_cli import ROOT, run_cli

PTY_TIMEOUT_S = 20.0


def setup_with_stdin(data_dir: Path, text: str):
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1")
    import subprocess

    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "kiosk", "setup", "--data-dir", str(data_dir)],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def stored_hash(data_dir: Path) -> str | None:
    store = open_store(data_dir)
    try:
        return store.station_setting(PIN_HASH_SETTING)
    finally:
        store.close()


def test_setup_reads_one_line_from_a_pipe_and_keeps_only_an_argon2id_hash(tmp_path: Path) -> None:
    result = setup_with_stdin(tmp_path, "80642\n")
    assert result.returncode == 0, result.stderr
    assert "80642" not in result.stdout + result.stderr
    pin_hash = stored_hash(tmp_path)
    assert pin_hash.startswith("$argon2id$")
    assert pin_matches(pin_hash, "80642") and not pin_matches(pin_hash, "80643")
    # The PIN itself is nowhere in the database's files.
    for path in tmp_path.iterdir():
        assert b"80642" not in path.read_bytes(), path
    store = open_store(tmp_path)
    [line] = store.audit_entries()
    store.close()
    assert (line.action, line.detail) == ("pin_set", "first set")


@pytest.mark.parametrize(
    ("pin", "problem"),
    [("12a4", "digits only"), ("123", "4 to 8 digits"), ("123456789", "4 to 8 digits"), ("", "")],
)
def test_setup_refuses_a_pin_that_is_not_4_to_8_digits(tmp_path: Path, pin, problem) -> None:
    result = setup_with_stdin(tmp_path, pin + "\n")
    assert result.returncode == 1
    assert problem in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / DATABASE_FILE_NAME).exists() or stored_hash(tmp_path) is None


def _run_in_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run run.py with a pty as its controlling terminal; answer each prompt in turn."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: run.py with the pty as stdin, stdout and /dev/tty
        os.chdir(ROOT)
        os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
        os.execv(sys.executable, [sys.executable, str(ROOT / "run.py"), *args])
    output = b""
    pending = list(answers)
    deadline_s = time.monotonic() + PTY_TIMEOUT_S
    while time.monotonic() < deadline_s:
        readable, _, _ = select.select([terminal], [], [], 0.5)
        if not readable:
            continue
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the child closed the terminal: it has ended
            break
        if not chunk:
            break
        output += chunk
        # A prompt ends in ": " with nothing after it. Answer only then: getpass flushes
        # input typed before it turns the echo off, so an early answer would be lost.
        if pending and output.endswith(b": "):
            os.write(terminal, (pending.pop(0) + "\n").encode())
    else:
        os.kill(pid, signal.SIGKILL)  # never answered as expected: do not wait forever
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_at_a_terminal_the_pin_is_asked_twice_without_echo(tmp_path: Path) -> None:
    code, output = _run_in_terminal(
        ["kiosk", "setup", "--data-dir", str(tmp_path)], ["497305", "497305"]
    )
    assert code == 0, output
    assert output.count("PIN") >= 2 and "set for the station" in output
    assert "497305" not in output  # the terminal never showed what was typed
    assert pin_matches(stored_hash(tmp_path), "497305")


def test_at_a_terminal_two_different_pins_change_nothing(tmp_path: Path) -> None:
    code, output = _run_in_terminal(
        ["kiosk", "setup", "--data-dir", str(tmp_path)], ["497305", "497306"]
    )
    assert code == 1
    assert "differ" in output
    assert not (tmp_path / DATABASE_FILE_NAME).exists() or stored_hash(tmp_path) is None


def test_the_kiosk_refuses_to_start_without_a_pin_and_says_how_to_set_one(tmp_path: Path) -> None:
    result = run_cli("kiosk", "--data-dir", str(tmp_path / "station"))
    assert result.returncode == 1
    assert f"run.py kiosk setup --data-dir {tmp_path / 'station'}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "station").exists()


def test_a_broken_kiosk_settings_file_is_reported_with_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.yaml"
    config.write_text("format: 1\nidle:\n  pause_s: soon\n  atract_s: 300\n", encoding="utf-8")
    result = run_cli("kiosk", "--data-dir", str(tmp_path), "--config", str(config))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{config}:3:12: idle.pause_s: 'soon' is not a number; write a number of seconds",
        f"{config}:4:3: idle.atract_s: unknown key 'atract_s'; did you mean 'attract_s'?",
    ]


def test_audit_writes_csv_and_json_with_its_columns(tmp_path: Path) -> None:
    assert setup_with_stdin(tmp_path, "2468\n").returncode == 0
    assert setup_with_stdin(tmp_path, "13579\n").returncode == 0
    result = run_cli("audit", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["at_utc", "station", "action", "detail"]
    assert [row[2:] for row in rows[1:]] == [["pin_set", "first set"], ["pin_set", "changed"]]

    out = tmp_path / "audit.json"
    result = run_cli("audit", "--data-dir", str(tmp_path), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    entries = json.loads(out.read_text(encoding="utf-8"))
    assert [set(e) for e in entries] == [{"at_utc", "station", "action", "detail"}] * 2
    assert entries[1]["action"] == "pin_set" and entries[1]["station"] == rows[2][1]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_audit_of_a_folder_without_data_says_so(tmp_path: Path) -> None:
    result = run_cli("audit", "--data-dir", str(tmp_path / "none"))
    assert result.returncode == 1 and "--data-dir" in result.stderr
    assert not (tmp_path / "none").exists()


def test_the_audit_log_file_rejects_edits_made_behind_the_stores_back(tmp_path: Path) -> None:
    assert setup_with_stdin(tmp_path, "2468\n").returncode == 0
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM audit_log")
    finally:
        connection.close()
