"""Rigs for the fault-injection tests: run.py as a person runs it, in a home of its own; a
process that holds the database's write lock; a small tmpfs that fills up or turns
read-only; and what a database holds, read without changing it.

Mounting needs root (CAP_SYS_ADMIN), which the test machine has; root ignores permission
bits, so "read-only" here is a tmpfs remounted read-only, which stops root too. Where
mounting is not allowed the tests that need it are skipped, saying so.
"""

from __future__ import annotations

import os
import select
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests import test_cli

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 180.0
LINE_TIMEOUT_S = 60.0  # only a hung child gets near this

TINY_LEVEL = """\
format: 1
id: tiny
title: Tiny
theme: space
tempo_bpm: 120
count_in: 1
tasks:
  - name: Four taps
    limb: both_hands
    length: {beats: 4}
"""


@dataclass(frozen=True)
class Home:
    """A user's folders for one test: config, logs and a level to play."""

    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "config" / "OnBeat"

    @property
    def log_file(self) -> Path:
        return self.root / "state" / "OnBeat" / "log" / "onbeat.log"

    @property
    def level(self) -> Path:
        return self.root / "tiny.yaml"

    def env(self) -> dict[str, str]:
        return {
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_DATA_HOME": str(self.root / "data-home"),
        }


def make_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    home.root.mkdir()
    home.level.write_text(TINY_LEVEL, encoding="utf-8")
    return home


def run_cli(
    home: Home,
    *args: str,
    env_changes: dict[str, str | None] | None = None,
    **options: object,
) -> subprocess.CompletedProcess:
    """run.py with ``args`` in ``home``, headless unless ``env_changes`` say otherwise."""
    in_home: dict[str, str | None] = {**home.env(), **(env_changes or {})}
    return test_cli.run_cli(*args, env_changes=in_home, timeout_s=TIMEOUT_S, **options)


def record_demo(home: Home, data_dir: Path) -> None:
    result = run_cli(home, "demo", "--level", str(home.level), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr


def copy_of(recorded: Path, data_dir: Path) -> Path:
    """A copy of the ``recorded`` data folder at ``data_dir``, modes and all."""
    shutil.copytree(recorded, data_dir)
    return data_dir


def assert_refused(result: subprocess.CompletedProcess, status: int, *advice: str) -> str:
    """The run ended with ``status``, no traceback, and stderr says each piece of advice."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == status, (result.returncode, result.stderr)
    for words in advice:
        assert words in result.stderr, f"{words!r} not in: {result.stderr}"
    return result.stderr


# --- what a database holds ------------------------------------------------------------------
TABLES = ("profiles", "sessions", "tasks", "beats", "taps")


@dataclass(frozen=True)
class DatabaseState:
    integrity: list[tuple]
    rows: dict[str, int]
    statuses: list[tuple[int, str]]


def database_state(data_dir: Path) -> DatabaseState:
    """Integrity and row counts, read without writing (immutable where the media is
    read-only and no log waits)."""
    path = data_dir / DATABASE_FILE_NAME
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        connection = sqlite3.connect(f"{uri}&immutable=1", uri=True)
    try:
        present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        return DatabaseState(
            integrity=connection.execute("PRAGMA integrity_check").fetchall(),
            rows={  # -1: the table is missing
                table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                if table in present
                else -1
                for table in TABLES
            },
            statuses=connection.execute("SELECT id, status FROM sessions ORDER BY id").fetchall(),
        )
    finally:
        connection.close()


def assert_sound(data_dir: Path, before: DatabaseState | None = None) -> DatabaseState:
    """The database passes SQLite's integrity check and holds every row it held before."""
    state = database_state(data_dir)
    assert state.integrity == [("ok",)]
    if before is not None:
        assert all(state.rows[table] >= before.rows[table] for table in TABLES), (before, state)
    return state


# --- another process on the same database ---------------------------------------------------
LOCK_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
connection.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(data_dir: Path) -> Iterator[None]:
    """Another process holds the database's write lock for as long as the block runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(data_dir / DATABASE_FILE_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert read_line(holder) == "held\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(LINE_TIMEOUT_S)
        holder.stdout.close()


def read_line(child: subprocess.Popen) -> str:
    ready, _, _ = select.select([child.stdout], [], [], LINE_TIMEOUT_S)
    assert ready, f"the child said nothing for {LINE_TIMEOUT_S} s"
    line = child.stdout.readline()
    assert line, "the child ended early"
    return line


# --- a small disk of our own ----------------------------------------------------------------
def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextmanager
def small_disk(path: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` mounted at ``path``; skips the test where mounting is not
    allowed (not root)."""
    path.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}); needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def make_read_only(path: Path) -> None:
    """Remount the small disk at ``path`` read-only: even root cannot write there then."""
    result = _mount("-o", "remount,ro", str(path))
    assert result.returncode == 0, result.stderr


def fill_disk(path: Path) -> Path:
    """Fill the disk holding ``path`` to the last byte; returns the filler file."""
    filler = path / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 4096, 1):  # big writes first, then what is left
            while True:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(descriptor)
    return filler
