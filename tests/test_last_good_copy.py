"""The daily copy of the database that passed SQLite's check, and the advice that names it."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from engine.store.opening import keep_last_good_copy, open_store
from engine.store.protocol import StoreDamagedError
from engine.store.sqlite.backup import COPY_EVERY_S, last_good_copy_path
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.clinic_factory import add_session

DAY_S = COPY_EVERY_S


def rows_of(database: Path) -> list[tuple]:
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return connection.execute("SELECT * FROM taps ORDER BY rowid").fetchall()
    finally:
        connection.close()


def recorded(data_dir: Path, sessions: int) -> Path:
    store = open_store(data_dir)
    rng = np.random.default_rng(sessions)
    for day in range(sessions):
        add_session(store, rng, "Robin", f"2026-01-{day + 5:02d}T10:00:00+00:00")
    store.close()
    return data_dir / DATABASE_FILE_NAME


def test_a_checked_copy_is_kept_once_a_day(tmp_path: Path) -> None:
    database = recorded(tmp_path, 2)
    copy = keep_last_good_copy(tmp_path)
    assert copy == last_good_copy_path(database)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert rows_of(copy) == rows_of(database)
    assert keep_last_good_copy(tmp_path) is None  # not due yet

    recorded(tmp_path, 1)  # another session the same day: the copy stays as it was
    assert len(rows_of(copy)) < len(rows_of(database))
    os.utime(copy, (time.time() - DAY_S - 1, time.time() - DAY_S - 1))
    assert keep_last_good_copy(tmp_path) == copy
    assert rows_of(copy) == rows_of(database)
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []


def test_a_damaged_database_is_not_copied_and_the_advice_names_the_copy(tmp_path: Path) -> None:
    database = recorded(tmp_path, 2)
    copy = keep_last_good_copy(tmp_path)
    good = copy.read_bytes()
    os.utime(copy, (time.time() - DAY_S - 1, time.time() - DAY_S - 1))
    with open(database, "r+b") as handle:
        handle.truncate(2 * 4096)
    assert keep_last_good_copy(tmp_path) is None
    assert copy.read_bytes() == good

    with pytest.raises(StoreDamagedError) as raised:
        open_store(tmp_path, read_only=True).list_sessions()
    message = str(raised.value)
    assert f"the last good copy is {copy} (checked " in message
    assert "copy it over the damaged file" in message
