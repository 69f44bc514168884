"""The Store (engine/store/protocol.py) on one SQLAlchemy connection: the queries of
``sessions``, ``recordings``, ``clinical``, ``kiosk`` and ``chart`` put together. The backends
(engine/store/sqlite/, engine/store/postgres/) open and configure the connection and say what
their errors mean; everything a store does with its data is here, once, for both."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from engine.store.sql import tables as t
from engine.store.sql.chart import ChartTables
from engine.store.sql.clinical import ClinicalTables
from engine.store.sql.kiosk import KioskTables
from engine.store.sql.reading import LimbStatsInMemory
from engine.store.sql.recordings import RecordingTables
from engine.store.sql.sessions import ProfileAndSessionTables


class SqlStore(ProfileAndSessionTables, RecordingTables, ClinicalTables, KioskTables, ChartTables):
    """A store over ``connection``; ``engine`` is the store's own (disposed with it), or None
    when the backend shares one engine among its stores. Use it from one thread only; the
    recorder's writer thread opens its own."""

    read_only = False

    def __init__(self, engine: Engine | None, connection: Connection, path: Path | str) -> None:
        super().__init__(connection, path)
        self._engine = engine

    def schema_version(self) -> int:
        version = self._run(select(func.coalesce(func.max(t.schema_version.c.version), 0)))
        return int(version.scalar_one())

    def close(self) -> None:
        self._connection.close()
        if self._engine is not None:
            self._engine.dispose()


class ReadOnlySqlStore(LimbStatsInMemory, SqlStore):
    """A store opened read-only: writes fail; progress sums it computes stay in memory."""
