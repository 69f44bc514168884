"""The last good copy of a station's database, kept beside it, so that a damaged file can be
replaced by yesterday's rather than by nothing.

Once a day, when the game starts, the database is copied with SQLite's online backup (a
consistent snapshot, even while another OnBeat records) into a file readable by its owner
only, checked with ``PRAGMA quick_check``, and only then renamed over the previous copy: the
copy on disk is always one that passed the check. A copy is skipped when the disk would be
left with less free space than the database needs to grow, so that it never fills the disk
a session needs.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

LAST_GOOD_SUFFIX = ".last-good"
COPY_EVERY_S = 24 * 3600
# Free space the copy must leave: room for sessions to grow, in multiples of the database.
FREE_AFTER_COPY_FACTOR = 2
FILE_MODE = 0o600


def last_good_copy_path(database: Path) -> Path:
    return database.with_name(database.name + LAST_GOOD_SUFFIX)


def describe_last_good_copy(database: Path) -> str | None:
    """Where the last good copy of ``database`` is and when it was checked, if there is one."""
    copy = last_good_copy_path(database)
    try:
        made = datetime.fromtimestamp(copy.stat().st_mtime, UTC)
    except OSError:
        return None
    return f"{copy} (checked {made:%Y-%m-%d %H:%M} UTC)"


def keep_last_good_copy(database: Path, now_s: float | None = None) -> Path | None:
    """Refresh the copy of ``database`` if it is a day old or missing and the database
    passes the check; return the copy made, or None (not due, no room, or a problem, which
    is logged: a copy must never stop a session)."""
    copy = last_good_copy_path(database)
    now_s = time.time() if now_s is None else now_s
    try:
        if not database.is_file() or (
            copy.exists() and now_s - copy.stat().st_mtime < COPY_EVERY_S
        ):
            return None
        size = database.stat().st_size
        if shutil.disk_usage(database.parent).free < (1 + FREE_AFTER_COPY_FACTOR) * size:
            log.warning("%s: too little free space for its daily copy; skipped", database)
            return None
        return _copy_checked(database, copy)
    except (OSError, sqlite3.Error) as error:
        log.warning("%s: no daily copy made (%s)", database, error)
        return None


def _copy_checked(database: Path, copy: Path) -> Path | None:
    temp = copy.with_name(copy.name + ".tmp")
    temp.unlink(missing_ok=True)
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    try:
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(temp)
        try:
            source.backup(target)
            checked = target.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            target.close()
            source.close()
        if not checked:
            log.warning("%s: fails SQLite's quick check; the last good copy is kept", database)
            temp.unlink()
            return None
        os.replace(temp, copy)
        return copy
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
