"""What an SQLite or file-system error means for the person at the keyboard.

SQLite answers "database is locked", "attempt to write a readonly database" or "file is not
a database"; a therapist needs to hear which of these it is and what to do: wait for the
other OnBeat, copy the folder off read-only media, free disk space, check a damaged file and
restore a copy, or update OnBeat. ``store_failure`` turns an error into a StoreError of the
fitting kind with a message of one or two sentences that names the file.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from engine.store.protocol import (
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)
from engine.store.sqlite.backup import describe_last_good_copy

# How long a write waits for another program's lock before giving up (PRAGMA busy_timeout).
# Long enough to wait out another connection's commit (the recorder's writer, a migration),
# short enough that a stuck lock becomes an error someone sees.
BUSY_TIMEOUT_MS = 5000

_LOCKED_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_PLAIN_ERROR = 1  # SQLITE_ERROR: a statement SQLite could not run ("no such table: taps")
_MISSING_PARTS = ("no such table", "no such column", "has no column")


def _code(error: sqlite3.Error) -> int:
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` (a database file, maybe not yet made) cannot be written, if it cannot."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on read-only media"
    except OSError:
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only for this user"
    if folder.exists() and not os.access(folder, os.W_OK):
        return "its folder is read-only for this user"
    return None


def locked(path: Path) -> StoreLockedError:
    return StoreLockedError(
        f"{path} is in use by another program, most likely another OnBeat window or command, "
        f"which has kept it busy for over {BUSY_TIMEOUT_MS // 1000} s. Wait for it to finish "
        "or close it, then try again."
    )


def read_only(path: Path, reason: str) -> StoreReadOnlyError:
    if not path.exists():
        return StoreReadOnlyError(
            f"{path} cannot be made: {reason}. Choose a folder on a writable disk with --data-dir."
        )
    return StoreReadOnlyError(
        f"{path} cannot be written: {reason}. Commands that only read (export, report) still "
        "work; to record, copy the data folder to a writable disk or choose another folder "
        "with --data-dir."
    )


def full(path: Path) -> StoreFullError:
    return StoreFullError(
        f"The disk that holds {path} is full. Free some space, then try again; everything "
        "stored before is kept."
    )


def damaged(path: Path, what: str) -> StoreDamagedError:
    copy = describe_last_good_copy(path)
    where = (
        f"the last good copy is {copy}: with OnBeat closed, copy it over the damaged file"
        if copy is not None
        else "restore the last good copy from your backup"
    )
    return StoreDamagedError(
        f"{path} is damaged or is not an OnBeat database ({what}); OnBeat has not changed it. "
        f"Check it with: sqlite3 '{path}' 'PRAGMA integrity_check' -- then {where}, or move "
        "the file away (or choose another folder with --data-dir) to start afresh."
    )


def _io_error(path: Path, error: Exception) -> StoreError:
    return StoreError(
        f"The disk reported an error while using {path} ({error}). Check the disk (or the "
        f"network share) and then the file, with: sqlite3 '{path}' 'PRAGMA integrity_check'."
    )


def store_failure(error: BaseException, path: Path) -> StoreError | None:
    """The StoreError that explains ``error``, met while using the database at ``path``, or
    None when it is not the database's (a record refused by a constraint, a bug)."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, OSError):
        return _os_failure(error, path)
    if not isinstance(error, sqlite3.Error):
        return None
    if isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return None  # one record or one call, not the database
    code = _code(error)
    text = str(error)
    if code in _LOCKED_CODES or "database is locked" in text:
        return locked(path)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return full(path)
    if code == sqlite3.SQLITE_READONLY or code == sqlite3.SQLITE_PERM:
        return read_only(path, read_only_reason(path) or "the file or its folder is read-only")
    if code in _DAMAGED_CODES or "malformed" in text or "not a database" in text:
        return damaged(path, text)
    if code == _PLAIN_ERROR and any(part in text for part in _MISSING_PARTS):
        return damaged(path, f"{text}; the file was changed by another program")
    if code == sqlite3.SQLITE_IOERR:
        return _io_error(path, error)
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return cannot_open(path, text)
    if isinstance(error, sqlite3.OperationalError):
        return StoreError(f"{path}: SQLite could not use the database ({text}).")
    return None


def explain_failure(error: BaseException, path: Path) -> StoreError:
    """As store_failure, but always a StoreError: for errors met while opening the store."""
    return store_failure(error, path) or StoreError(
        f"{path}: the database cannot be used ({type(error).__name__}: {error})."
    )


def cannot_open(path: Path, what: str) -> StoreError:
    folder = path.parent
    if not folder.is_dir():
        return StoreError(
            f"{folder} is not a folder that can hold OnBeat's data ({what}); choose a folder "
            "with --data-dir."
        )
    reason = read_only_reason(path)
    if reason is not None:
        return read_only(path, reason)
    return StoreError(
        f"{path} cannot be opened ({what}); check the permissions of the file and its folder, "
        "or choose another folder with --data-dir."
    )


def _os_failure(error: OSError, path: Path) -> StoreError:
    number = error.errno
    if number == errno.ENOSPC or number == errno.EDQUOT:
        return full(path)
    if number == errno.EROFS:
        return read_only(path, "it is on read-only media")
    if number in (errno.EACCES, errno.EPERM):
        return read_only(path, read_only_reason(path) or "this user may not write there")
    if number in (errno.ENOTDIR, errno.EEXIST):
        return StoreError(
            f"{path.parent} (or a folder above it) is a file, not a folder; give a folder with "
            "--data-dir."
        )
    if number == errno.EIO:
        return _io_error(path, error)
    reason = error.strerror or str(error)
    return StoreError(f"{path}: {reason}; check the data folder or choose another with --data-dir.")
