"""The SQLite store: one file in the data folder, opened, configured and brought up to date
here; its queries live with the tables they serve (sessions, recordings, clinical)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from engine.store.protocol import StoreError
from engine.store.sqlite.clinical import ClinicalTables
from engine.store.sqlite.kiosk import KioskTables
from engine.store.sqlite.recordings import RecordingTables
from engine.store.sqlite.schema import migrate, schema_version
from engine.store.sqlite.sessions import ProfileAndSessionTables

DATABASE_FILE_NAME = "onbeat.sqlite3"

# Long enough to wait out another connection's commit (the recorder's writer, an export),
# short enough that a stuck lock becomes an error someone sees.
BUSY_TIMEOUT_MS = 5000

Connect = Callable[..., sqlite3.Connection]


def configure_connection(connection: sqlite3.Connection, path: Path) -> None:
    """Foreign keys checked, locks waited out, write-ahead log, every commit on disk."""
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        (journal_mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
        # FULL: every commit is on disk before the writer moves on, so a power cut loses
        # no committed taps. The fsync happens in the writer thread, never in a frame.
        connection.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as error:
        raise StoreError(
            f"{path}: not a usable OnBeat database ({error}); move the file away or choose "
            "another folder with --data-dir"
        ) from error
    if journal_mode.lower() != "wal":
        raise StoreError(
            f"{path}: SQLite could not use write-ahead logging (journal mode is "
            f"{journal_mode!r}); put the data folder on a local disk with --data-dir"
        )


class SqliteStore(ProfileAndSessionTables, RecordingTables, ClinicalTables, KioskTables):
    """The Store (engine/store/protocol.py) on one SQLite connection. Use it from one thread
    only; the recorder's writer thread opens its own."""

    @classmethod
    def open(cls, data_dir: Path, connect: Connect = sqlite3.connect) -> SqliteStore:
        """Open (creating if needed) the database in ``data_dir`` and bring its schema up to
        date. Raises StoreError (SchemaTooNewError for a newer database) naming the file.
        ``connect`` opens the file (a test may hand in one that sets limits first)."""
        data_dir = Path(data_dir)
        path = data_dir / DATABASE_FILE_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun explicitly (see transaction()), so
            # that migrations' DDL and the writer's batches commit exactly where we say.
            connection = connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"{path}: cannot open the OnBeat database ({error}); check that the folder is "
                "writable or choose another one with --data-dir"
            ) from error
        try:
            configure_connection(connection, path)
            migrate(connection, path)
        except BaseException:
            connection.close()
            raise
        return cls(connection, path)

    def schema_version(self) -> int:
        return schema_version(self._connection)

    @staticmethod
    def is_transient(error: Exception) -> bool:
        # Full, I/O error, locked: the database as a whole, not one record.
        return isinstance(error, sqlite3.OperationalError | OSError)

    def close(self) -> None:
        self._connection.close()
