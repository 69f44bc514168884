"""Never lose data: kill -9 a real process mid-level and look at what the database kept.

The child (tests/recording_child.py) reports every tap it has handed to the recorder, with
the CLOCK_MONOTONIC instant, over a pipe. The parent kills it once it has seen a few seconds
of taps and notes the instant of the kill on the same clock. Whatever the timing of this
machine, the rule is checked only on what the child reported: every tap handed over more than
one second before the kill must be committed. Nothing here sleeps.
"""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from engine.store.opening import open_store
from engine.store.records import SESSION_INCOMPLETE
from engine.store.sqlite.store import DATABASE_FILE_NAME

ROOT = Path(__file__).resolve().parent.parent
NS_PER_S = 1_000_000_000
KEPT_AFTER_NS = NS_PER_S  # the promise: at most the last second is lost
PLAY_BEFORE_KILL_NS = 3 * NS_PER_S
LINE_TIMEOUT_S = 60.0  # only a hung child gets near this


def read_line(child: subprocess.Popen) -> str:
    ready, _, _ = select.select([child.stdout], [], [], LINE_TIMEOUT_S)
    assert ready, f"the child said nothing for {LINE_TIMEOUT_S} s"
    line = child.stdout.readline()
    assert line, f"the child ended early: {child.stderr.read()}"
    return line


def test_kill_9_mid_level_loses_at_most_the_last_second(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "recording_child.py"), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
    )
    handed_ns: dict[int, int] = {}
    try:
        session_id = int(read_line(child).split()[1])
        first_ns = None
        while True:
            index, when_ns = map(int, read_line(child).split())
            handed_ns[index] = when_ns
            first_ns = when_ns if first_ns is None else first_ns
            if when_ns - first_ns >= PLAY_BEFORE_KILL_NS:
                break
        killed_ns = time.monotonic_ns()
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        for line in child.stdout:  # taps it reported before dying, still in the pipe
            index, when_ns = map(int, line.split())
            handed_ns[index] = when_ns
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    path = tmp_path / DATABASE_FILE_NAME
    connection = sqlite3.connect(path)  # a plain connection first: it replays the WAL
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {
            index
            for (index,) in connection.execute(
                "SELECT tap_index FROM taps WHERE session_id = ?", (session_id,)
            )
        }
    finally:
        connection.close()
    must_have = {
        index for index, when_ns in handed_ns.items() if when_ns < killed_ns - KEPT_AFTER_NS
    }
    assert len(must_have) >= 150  # the check has teeth: two seconds of taps at 100 a second
    assert must_have <= stored, f"lost taps {sorted(must_have - stored)[:10]}..."
    assert stored == set(range(len(stored)))  # what is kept has no holes
    print(
        f"kill test: {len(handed_ns)} taps handed over, {len(stored)} stored, "
        f"{len(must_have)} older than 1 s all present"
    )

    store = open_store(tmp_path)  # the next start of the program marks it: its owner is gone
    try:
        assert store.session(session_id).status == SESSION_INCOMPLETE
        assert store.mark_abandoned_sessions_incomplete() == 0
        assert store.session_counts(session_id).tap_count == len(stored)
    finally:
        store.close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
