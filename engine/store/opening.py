"""Which store serves a data folder or a clinic's server, and where the folder is by default.
The one place that chooses a backend: everything else asks for ``open_store(data_dir)`` (a
station's SQLite file) or ``open_server_store(url)`` (a clinic's PostgreSQL server) and gets
a Store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import platformdirs
import psycopg

from engine.store.postgres.address import redact, server_url
from engine.store.postgres.faults import server_failure
from engine.store.postgres.store import PostgresStore
from engine.store.protocol import Store, StoreError
from engine.store.sqlite import backup as sqlite_backup
from engine.store.sqlite.faults import store_failure
from engine.store.sqlite.store import DATABASE_FILE_NAME, SqliteStore


def default_data_dir() -> Path:
    """Where OnBeat keeps its data unless ``--data-dir`` says otherwise."""
    return Path(platformdirs.user_data_dir("OnBeat", appauthor=False))


def store_exists(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds OnBeat data (opening a store would otherwise make it)."""
    return (Path(data_dir) / DATABASE_FILE_NAME).exists()


def database_path(data_dir: Path) -> Path:
    """The file that holds the data of ``data_dir``, for messages."""
    return Path(data_dir) / DATABASE_FILE_NAME


def open_store(data_dir: Path, *, read_only: bool = False) -> Store:
    """Open the store in ``data_dir``. For writing (the default) it is made if missing, its
    schema brought up to date and sessions whose recording process is gone marked
    incomplete. ``read_only``: for commands that only read (export, report): nothing is
    made, migrated or locked, so it works beside a recording OnBeat and from read-only
    media. Raises StoreError naming the file, of a subclass that says why
    (engine/store/protocol.py)."""
    if read_only:
        return SqliteStore.open_for_reading(data_dir, default_dir=default_data_dir())
    return SqliteStore.open(data_dir, default_dir=default_data_dir())


def open_server_store(url: str, *, read_only: bool = True, upgrade: bool = False) -> Store:
    """Open the clinic's PostgreSQL server at ``url``: to read only (the default: export,
    report and profiles list with --server), or to write (a station's sync); ``upgrade``
    makes or upgrades its schema (``clinic init``). Raises StoreError naming the server
    without its password."""
    address = server_url(url)
    if read_only:
        return PostgresStore.open_for_reading(address)
    return PostgresStore.open(address, upgrade=upgrade)


def server_address(url: str) -> str:
    """``url`` as it may be shown: without its password."""
    return redact(server_url(url))


def keep_last_good_copy(data_dir: Path) -> Path | None:
    """Refresh the daily copy of the database of ``data_dir`` that passes SQLite's check
    (the copy a damaged file is replaced by); None when not due or not possible (logged)."""
    return sqlite_backup.keep_last_good_copy(database_path(data_dir))


def explain_store_failure(error: BaseException, data_dir: Path) -> StoreError | None:
    """What an error of the database backend (raised by a store of ``data_dir``) means, as
    a StoreError whose message says what to do; None for any other error (a bug)."""
    if isinstance(error, psycopg.Error):
        return server_failure(error, "")
    if not isinstance(error, sqlite3.Error):
        return None
    return store_failure(error, database_path(data_dir))


def store_files(data_dir: Path) -> list[Path]:
    """The files in ``data_dir`` that hold the store's data (the database and the journal
    files beside it), for those who keep them private."""
    return sorted(Path(data_dir).glob(f"{DATABASE_FILE_NAME}*"))
