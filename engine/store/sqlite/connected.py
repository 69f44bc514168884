"""What every part of the SQLite store shares: the connection, transactions, and the small
helpers that build statements from a record's fields."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """Group writes so they commit together or not at all. Nested uses join the outer one.
    The connection must be opened with isolation_level=None (transactions begun here)."""
    if connection.in_transaction:
        yield
        return
    # IMMEDIATE takes the write lock now, so a read-then-write (get-or-create) cannot race.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        # SQLite rolls back by itself after some errors (disk full, I/O); don't do it twice.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def insert_statement(table: str, names: Sequence[str]) -> str:
    """INSERT of one row of ``names`` (a record's fields, named as the table's columns)."""
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def select_list(names: Sequence[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in names)


class Connected:
    """One open connection and the file it belongs to. Use it from one thread only."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with transaction(self._connection):
            yield

    def _profile_id_of_code(self, profile_code: str) -> int:
        row = self._connection.execute(
            "SELECT id FROM profiles WHERE code = ?", (profile_code,)
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no profile {profile_code}")
        return int(row[0])
