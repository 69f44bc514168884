"""The database's files on disk: a data folder for the owner only (0700), and the database
with its write-ahead log and shared-memory file readable by the owner only (0600), since they
hold children's names and records.

SQLite makes a new database file with the umask's mode (0644 under the usual 022) and gives
its -wal and -shm files the database file's own mode, so the database file is made here,
empty and 0600, before SQLite first opens it. Folders and files of an older OnBeat are
repaired when a store is opened; where that is not possible (read-only media, another
owner), the store still opens and the log says so.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from engine.store.protocol import StoreError
from engine.store.sqlite.backup import LAST_GOOD_SUFFIX
from engine.store.sqlite.faults import store_failure

log = logging.getLogger(__name__)

DATABASE_FILE_NAME = "onbeat.sqlite3"

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# The files kept beside the database: SQLite's own, and the daily copy (backup.py).
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", LAST_GOOD_SUFFIX)


def prepare_folder(data_dir: Path, database: Path) -> None:
    """Make ``data_dir`` (0700) if missing; raise StoreError if it cannot be made."""
    if data_dir.exists() and not data_dir.is_dir():
        raise StoreError(f"{data_dir} is a file, not a folder; give a folder with --data-dir.")
    try:
        data_dir.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as error:
        raise store_failure(error, database) from error


def create_database_file(database: Path) -> None:
    """Make an empty database file readable by its owner only, unless one exists."""
    try:
        descriptor = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    except OSError as error:
        raise store_failure(error, database) from error
    os.close(descriptor)


def repair_modes(data_dir: Path, database: Path, default_dir: Path | None) -> None:
    """Take away group and other access from the database files and, when the folder is
    OnBeat's own, from the folder. Problems are logged, never raised: a store on read-only
    media must still open for reading."""
    for path in (database, *(Path(f"{database}{suffix}") for suffix in COMPANION_SUFFIXES)):
        _restrict(path, FILE_MODE)
    if _folder_is_onbeats(data_dir, default_dir):
        _restrict(data_dir, FOLDER_MODE)


def _folder_is_onbeats(data_dir: Path, default_dir: Path | None) -> bool:
    """Only a folder that holds OnBeat's data alone is made private: --data-dir may point at
    a shared folder (even /tmp), whose mode is not OnBeat's to change."""
    try:
        info = data_dir.stat()
        if info.st_mode & stat.S_ISVTX or info.st_uid != os.geteuid():
            return False
        if default_dir is not None and data_dir.resolve() == default_dir.resolve():
            return True
        return all(_is_onbeat_file(entry.name) for entry in os.scandir(data_dir))
    except OSError:
        return False


def _is_onbeat_file(name: str) -> bool:
    return name.startswith(DATABASE_FILE_NAME)


def _restrict(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as error:
        log.warning("%s: cannot check its permissions (%s)", path, error)
        return
    if current & ~mode == 0:
        return
    try:
        os.chmod(path, current & mode)
        log.info("%s: permissions %o -> %o (patient data)", path, current, current & mode)
    except OSError as error:
        log.warning(
            "%s: is readable by others (%o) and cannot be made private (%s)", path, current, error
        )
