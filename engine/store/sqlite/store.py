"""The SQLite store: one file in the data folder, opened, configured and brought up to date
here; its queries are those of every SQL store (engine/store/sql/), run through SQLAlchemy on
a connection made here, so that the file keeps what matters to a station: write-ahead
logging, every commit on disk, foreign keys checked, locks waited out, read-only opens that
take no write lock.

Commands that record open the store for writing: the folder and files are made private, the
schema is brought up to date, and sessions whose recording process is gone are marked
incomplete. Commands that only read (export, report) open it read-only: no migration, no
write lock, so they work beside a recording OnBeat and from read-only media. Whatever goes
wrong while opening comes out as a StoreError that says what to do
(engine/store/sqlite/faults.py).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

from engine.store.migrations.runner import (
    check_readable_version,
    check_tables,
    migrate,
    newest_version,
)
from engine.store.protocol import (
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)
from engine.store.sql.connected import unwrap_driver_errors
from engine.store.sql.reading import LimbStatsInMemory
from engine.store.sql.store import SqlStore
from engine.store.sqlite.faults import (
    BUSY_TIMEOUT_MS,
    damaged,
    explain_failure,
    read_only_reason,
    store_failure,
)
from engine.store.sqlite.files import (
    DATABASE_FILE_NAME,
    create_database_file,
    prepare_folder,
    repair_modes,
)

__all__ = ["BUSY_TIMEOUT_MS", "DATABASE_FILE_NAME", "ReadOnlySqliteStore", "SqliteStore"]

Connect = Callable[..., sqlite3.Connection]

# What to do about a database of a newer OnBeat, besides updating this one.
_OTHER_FOLDER = "choose another folder with --data-dir"


def configure_connection(
    connection: sqlite3.Connection, path: Path, read_only: bool = False
) -> None:
    """Foreign keys checked, locks waited out; for writing also the write-ahead log and
    every commit on disk. sqlite3.Error when SQLite cannot (the caller explains it)."""
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if read_only:
        connection.execute("PRAGMA query_only = ON")
        return
    (journal_mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
    # FULL: every commit is on disk before the writer moves on, so a power cut loses no
    # committed taps. The fsync happens in the writer thread, never in a frame.
    connection.execute("PRAGMA synchronous = FULL")
    if journal_mode.lower() != "wal":
        raise StoreError(
            f"{path}: SQLite could not use write-ahead logging (journal mode is "
            f"{journal_mode!r}); put the data folder on a local disk with --data-dir"
        )


def _connect(connect: Connect, target: str | Path, **options: object) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun explicitly (see transaction()), so that
    # migrations' DDL and the writer's batches commit exactly where we say.
    connection = connect(target, isolation_level=None, **options)
    # SQLite opens the file lazily; a first read makes a damaged or unopenable file fail here.
    connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    return connection


def _wal_is_empty(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return not wal.exists() or wal.stat().st_size == 0


# The connection SQLAlchemy is to take next, per thread: set just before the engine connects.
_handed_over = threading.local()


def _take_handed_over() -> sqlite3.Connection:
    return _handed_over.connection


@functools.cache
def _engine() -> Engine:
    """The one SQLAlchemy engine of every SQLite store in this process. It opens nothing
    itself: each store hands it the connection made and configured above, and closing the
    store closes that connection (NullPool). One engine, so that a statement compiled for
    one store serves every store after it (SQLAlchemy caches per engine)."""
    engine = create_engine(
        "sqlite://",
        creator=_take_handed_over,
        poolclass=NullPool,
        # The driver's autocommit: transactions are begun by the store (BEGIN IMMEDIATE).
        isolation_level="AUTOCOMMIT",
    )
    unwrap_driver_errors(engine)
    return engine


def _on_sqlalchemy(connection: sqlite3.Connection) -> Connection:
    """``connection``, configured as above, as a SQLAlchemy Connection."""
    _handed_over.connection = connection
    try:
        return _engine().connect()
    finally:
        del _handed_over.connection


def _close(connection: sqlite3.Connection, sql: Connection | None) -> None:
    """Close a connection that did not become a store (through SQLAlchemy, if it had it)."""
    if sql is None:
        connection.close()
    else:
        sql.close()


class SqliteStore(SqlStore):
    """The Store (engine/store/protocol.py) on one SQLite file. Use it from one thread only;
    the recorder's writer thread opens its own."""

    @classmethod
    def open(
        cls,
        data_dir: Path,
        connect: Connect = sqlite3.connect,
        default_dir: Path | None = None,
    ) -> SqliteStore:
        """Open (creating if needed) the database in ``data_dir`` for writing, bring its
        schema up to date and mark sessions left by a dead process incomplete. Raises
        StoreError (of the kind that fits the cause) naming the file. ``connect`` opens the
        file (a test may hand in one that sets limits first); ``default_dir`` is the default
        data folder, whose mode OnBeat may always repair."""
        data_dir = Path(data_dir)
        path = data_dir / DATABASE_FILE_NAME
        prepare_folder(data_dir, path)
        create_database_file(path)
        repair_modes(data_dir, path, default_dir)
        try:
            connection = _connect(connect, path)
        except (OSError, sqlite3.Error) as error:
            raise explain_failure(error, path) from error
        sql = None
        try:
            configure_connection(connection, path)
            sql = _on_sqlalchemy(connection)
            try:
                migrate(sql, str(path), _OTHER_FOLDER)
            except sqlite3.Error as error:
                raise _migration_failure(error, path) from error
            check_tables(sql, lambda what: damaged(path, what))
            store = cls(None, sql, path)
            store.mark_abandoned_sessions_incomplete()
        except (OSError, sqlite3.Error) as error:
            _close(connection, sql)
            raise explain_failure(error, path) from error
        except BaseException:
            _close(connection, sql)
            raise
        return store

    @classmethod
    def open_for_reading(
        cls,
        data_dir: Path,
        connect: Connect = sqlite3.connect,
        default_dir: Path | None = None,
    ) -> ReadOnlySqliteStore:
        """Open the database in ``data_dir`` to read it only: never made, migrated or
        locked for writing; from read-only media too. Raises StoreError naming the file
        (SchemaTooOldError when a write command must upgrade it first)."""
        data_dir = Path(data_dir)
        path = data_dir / DATABASE_FILE_NAME
        if not path.is_file():
            raise StoreError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir.")
        repair_modes(data_dir, path, default_dir)
        connection = _connect_for_reading(connect, path)
        sql = None
        try:
            configure_connection(connection, path, read_only=True)
            sql = _on_sqlalchemy(connection)
            check_readable_version(sql, str(path), _OTHER_FOLDER)
            check_tables(sql, lambda what: damaged(path, what))
            return ReadOnlySqliteStore(None, sql, path)
        except (OSError, sqlite3.Error) as error:
            _close(connection, sql)
            raise explain_failure(error, path) from error
        except BaseException:
            _close(connection, sql)
            raise

    @staticmethod
    def is_transient(error: Exception) -> bool:
        # Full, I/O error, locked: the database as a whole, not one record.
        return isinstance(error, sqlite3.OperationalError | OSError)

    def explain(self, error: Exception) -> StoreError | None:
        return store_failure(error, self.path)


class ReadOnlySqliteStore(LimbStatsInMemory, SqliteStore):
    """A SqliteStore opened read-only: writes fail; progress sums it computes stay in memory."""


def _connect_for_reading(connect: Connect, path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        return _connect(connect, uri, uri=True)
    except sqlite3.Error as error:
        cannot_open = (error.sqlite_errorcode & 0xFF) == sqlite3.SQLITE_CANTOPEN
        # On read-only media SQLite cannot make the -shm file that reading a WAL database
        # needs. With no log to replay the file alone is the whole database, and nothing can
        # change it there: read it as immutable.
        if not (cannot_open and read_only_reason(path) and _wal_is_empty(path)):
            raise explain_failure(error, path) from error
    try:
        return _connect(connect, f"{uri}&immutable=1", uri=True)
    except sqlite3.Error as error:
        raise explain_failure(error, path) from error


def _migration_failure(error: sqlite3.Error, path: Path) -> StoreError:
    known = store_failure(error, path)
    if isinstance(known, StoreLockedError | StoreFullError | StoreReadOnlyError):
        return known  # the cause says what to do; the migration runs next time
    return StoreError(
        f"{path}: could not bring the database up to schema version {newest_version()} "
        f"({error}); nothing was changed. Check it with: sqlite3 '{path}' 'PRAGMA "
        "integrity_check' -- if it is sound, please report this with the OnBeat log."
    )
