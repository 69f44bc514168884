"""What every part of the SQL store shares: one SQLAlchemy connection, its transactions, and
the fast paths for many rows (executemany inserts, rows for numpy columns).

The connection runs in the driver's autocommit mode and transactions are begun here, as
statements: ``BEGIN IMMEDIATE`` in SQLite (the write lock at once, so a read-then-write
cannot race) and ``BEGIN`` in PostgreSQL. A statement outside a transaction commits alone,
so a store that only reads never holds a snapshot or a lock between calls.

Errors are the driver's own (sqlite3.Error, psycopg.Error): the engines are made so that
SQLAlchemy hands them on unwrapped (``unwrap_driver_errors``), and the backend's ``explain``
says what they mean.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.sql import ClauseElement, Executable

from engine.store.sql import tables as t


def new_key() -> str:
    """A clinic-wide key for a row this station makes (engine/store/sql/tables.py)."""
    return str(uuid.uuid4())


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def edit_time_utc() -> str:
    """When an edit that may travel to a clinic's other stations was made: to the microsecond,
    since the later of two edits wins there (engine/store/clinic/sync/)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


# The name a station joined its clinic under (engine/store/clinic/settings.py), kept among
# its station settings; edits name it as the station that made them.
JOINED_STATION_SETTING = "clinic_station_name"


def unwrap_driver_errors(engine: Engine) -> None:
    """Make ``engine`` raise the driver's own exceptions rather than SQLAlchemy's wrappers, so
    that the fault advice (and callers) see sqlite3 or psycopg errors as they came."""

    @event.listens_for(engine, "handle_error")
    def _driver_error(context: ExceptionContext) -> BaseException | None:
        return context.original_exception

    del _driver_error


@functools.cache
def _plain_insert(table: t.Table) -> Any:
    # One statement object a table, so that its compiled form is cached (Connected._compiled).
    return insert(table)


def upsert(dialect_name: str, table: t.Table) -> Any:
    """An INSERT of ``table`` that can say ON CONFLICT, in the dialect of the connection."""
    module = sqlite if dialect_name == "sqlite" else postgresql
    return module.insert(table)


class Connected:
    """One open connection and where its data is (a file, or a server's address without its
    password), for messages. Use it from one thread only."""

    def __init__(self, connection: Connection, path: Path | str) -> None:
        self._connection = connection
        self.path = path
        self._dialect_name = connection.dialect.name
        self._compiled: dict[object, tuple[str, tuple[int, ...] | None]] = {}

    # --- transactions -------------------------------------------------------------------
    def _in_transaction(self) -> bool:
        driver = self._connection.connection.driver_connection
        if self._dialect_name == "sqlite":
            return bool(driver.in_transaction)
        return driver.info.transaction_status != 0  # psycopg: 0 is IDLE

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so they commit together or not at all; nested uses join the outer."""
        if self._in_transaction():
            yield
            return
        begin = "BEGIN IMMEDIATE" if self._dialect_name == "sqlite" else "BEGIN"
        self._connection.exec_driver_sql(begin)
        try:
            yield
            self._connection.exec_driver_sql("COMMIT")
        except BaseException:
            # SQLite rolls back by itself after some errors (disk full, I/O); don't do it
            # twice. PostgreSQL keeps a failed transaction open until told.
            if self._in_transaction():
                self._connection.exec_driver_sql("ROLLBACK")
            raise

    # --- statements ---------------------------------------------------------------------
    def _run(self, statement: Executable, parameters: Any = None) -> Any:
        return self._connection.execute(statement, parameters)

    def _driver_form(self, statement: ClauseElement, names: Sequence[str]) -> tuple[str, Any]:
        """The SQL text of ``statement`` for this connection's driver, and the order in which
        its positional parameters take the values named ``names``."""
        key = (statement, tuple(names))
        if key not in self._compiled:
            compiled = statement.compile(dialect=self._connection.dialect, column_keys=list(names))
            order = None
            if compiled.positiontup is not None:
                order = tuple(names.index(name) for name in compiled.positiontup)
            self._compiled[key] = (compiled.string, order)
        return self._compiled[key]

    def _execute_many(
        self, statement: ClauseElement, names: Sequence[str], rows: Iterable[tuple]
    ) -> None:
        """Run ``statement`` (an insert or upsert of the columns ``names``) once per row of
        tuples in that order, through the driver's own executemany: no per-row dict or
        processing in Python, which a clinic's millions of taps would feel."""
        sql, order = self._driver_form(statement, names)
        if order is not None and order != tuple(range(len(names))):
            rows = map(itemgetter(*order), rows)
        elif order is None:
            rows = (dict(zip(names, row, strict=True)) for row in rows)
        cursor = self._connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(sql, list(rows))
        finally:
            cursor.close()

    def _insert_many(self, table: Any, names: Sequence[str], rows: Iterable[tuple]) -> None:
        """Add rows of tuples (the columns ``names`` in that order) to ``table``: the driver's
        executemany in SQLite, COPY in PostgreSQL (an order of magnitude faster there than
        one INSERT a row, which a clinic's upload of millions of taps would feel)."""
        if self._dialect_name == "sqlite":
            self._execute_many(_plain_insert(table), names, rows)
            return
        cursor = self._connection.connection.driver_connection.cursor()
        columns = ", ".join(f'"{name}"' for name in names)
        try:
            with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def _fetch_rows(self, statement: Any, parameters: dict | None = None) -> list[tuple]:
        """All rows of a select as plain tuples, read by the driver's cursor: what columns for
        numpy are made from (engine/store/columns.py). A statement run often (once a
        session) is built once with bind parameters, given here as ``parameters``: its SQL
        text is then made once per connection, not once a call."""
        if parameters is None:
            compiled = self._compiled_select(statement)
            sql, names, values = compiled.string, compiled.positiontup, compiled.construct_params()
        else:
            key = ("select", statement)
            if key not in self._compiled:
                compiled = self._compiled_select(statement)
                self._compiled[key] = (compiled.string, compiled.positiontup)
            sql, names = self._compiled[key]
            values = parameters
        bound: Any = values if names is None else tuple(values[name] for name in names)
        cursor = self._connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, bound)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _compiled_select(self, statement: Any) -> Any:
        # render_postcompile: an IN list becomes one parameter an item, as the driver needs.
        return statement.compile(
            dialect=self._connection.dialect, compile_kwargs={"render_postcompile": True}
        )

    def _insertion_order(self) -> Any:
        """The order rows were added in, for tables without a key of their own."""
        return literal_column("rowid" if self._dialect_name == "sqlite" else "ctid")

    def _profile_id_of_code(self, profile_code: str) -> int:
        found = self._run(select(t.profiles.c.id).where(t.profiles.c.code == profile_code))
        profile_id = found.scalar_one_or_none()
        if profile_id is None:
            raise LookupError(f"{self.path}: there is no profile {profile_code}")
        return int(profile_id)
