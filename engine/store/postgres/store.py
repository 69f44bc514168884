"""A clinic's PostgreSQL server as a Store: the queries of engine/store/sql/ over psycopg 3.

Writing (``clinic init``, a station's sync) brings the schema up to date first, under an
advisory lock, so that two programs upgrading at once take turns; reading (``--server`` on
export, report, profiles list) needs the schema of exactly this OnBeat and opens the session
read-only, so that nothing it does can change the server. Whatever goes wrong while opening
comes out as a StoreError that names the server without its password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import psycopg
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from engine.store.migrations.runner import check_readable_version, check_tables, migrate
from engine.store.postgres.address import redact
from engine.store.postgres.faults import server_failure
from engine.store.protocol import StoreDamagedError, StoreError
from engine.store.sql.connected import unwrap_driver_errors
from engine.store.sql.reading import LimbStatsInMemory
from engine.store.sql.store import SqlStore

# How long to wait for the server to answer before calling it unreachable: a station must
# soon go back to recording locally.
CONNECT_TIMEOUT_S = 5
_UPGRADE_IT = "ask its administrator to run `run.py clinic init` with this OnBeat"


def _connect(url: URL, read_only: bool) -> tuple[Engine, Connection]:
    options = "-c default_transaction_read_only=on" if read_only else ""
    engine = create_engine(
        url,
        poolclass=NullPool,
        # The driver's autocommit: transactions are begun by the store.
        isolation_level="AUTOCOMMIT",
        # Positional parameters, as SQLite's: the store's bulk paths bind tuples.
        paramstyle="format",
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "options": options},
    )
    unwrap_driver_errors(engine)
    try:
        return engine, engine.connect()
    except BaseException:
        engine.dispose()
        raise


class PostgresStore(SqlStore):
    """The Store (engine/store/protocol.py) on a clinic's PostgreSQL server. Use it from one
    thread only."""

    @classmethod
    def open(cls, url: URL, *, upgrade: bool = False) -> PostgresStore:
        """Open the server at ``url`` for writing. ``upgrade``: make or upgrade its schema
        (``clinic init``); otherwise it must be of this OnBeat's schema already. Raises
        StoreError naming the server without its password."""

        def bring_up(sql: Connection, where: str) -> None:
            if upgrade:
                migrate(sql, where, _UPGRADE_IT)
            else:
                check_readable_version(sql, where, _UPGRADE_IT)

        return cls._open(url, read_only=False, bring_up=bring_up)

    @classmethod
    def open_for_reading(cls, url: URL) -> ReadOnlyPostgresStore:
        """Open the server at ``url`` to read only (export, report, profiles list)."""

        def bring_up(sql: Connection, where: str) -> None:
            check_readable_version(sql, where, _UPGRADE_IT)

        return ReadOnlyPostgresStore._open(url, read_only=True, bring_up=bring_up)

    @classmethod
    def _open(
        cls, url: URL, *, read_only: bool, bring_up: Callable[[Connection, str], None]
    ) -> Self:
        """Connect, ``bring_up`` the schema (check or migrate it), check the tables, and
        make a store of this class; whatever the driver or the network says on the way
        becomes a StoreError naming the server without its password."""
        where = redact(url)
        try:
            engine, sql = _connect(url, read_only)
        except (OSError, psycopg.Error) as error:
            raise _failure(error, where) from error
        try:
            bring_up(sql, where)
            check_tables(sql, lambda what: _damaged(where, what))
            return cls(engine, sql, where)
        except BaseException as error:
            engine.dispose()
            if isinstance(error, OSError | psycopg.Error):
                raise _failure(error, where) from error
            raise

    @staticmethod
    def is_transient(error: Exception) -> bool:
        # The network, the server stopped, its disk full: not one record.
        return isinstance(error, psycopg.OperationalError | OSError)

    def explain(self, error: Exception) -> StoreError | None:
        return server_failure(error, str(self.path))

    def mark_abandoned_sessions_incomplete(self) -> int:
        # The server never records: every running session belongs to a station, whose own
        # store marks it when its process is gone, and a sync brings the change.
        return 0


class ReadOnlyPostgresStore(LimbStatsInMemory, PostgresStore):
    """A PostgresStore opened read-only: the server refuses writes; progress sums it computes
    stay in memory."""


def _failure(error: OSError | psycopg.Error, where: str) -> StoreError:
    return server_failure(error, where) or StoreError(f"{where}: {error}")


def _damaged(where: str, what: str) -> StoreDamagedError:
    return StoreDamagedError(
        f"{where} is not a sound OnBeat database ({what}); it was changed by another program. "
        "Restore it from the last pg_dump (docs/clinic.md, 'Backups')."
    )
