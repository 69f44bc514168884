"""Stores on the throwaway PostgreSQL cluster (tests/pg_cluster.py): a fresh database for each
test, copied from one made once per cluster by the Alembic revisions (a template copies in
a fraction of the time the revisions take)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.store.opening import open_server_store, open_store
from engine.store.protocol import Store
from tests.pg_cluster import Cluster

TEMPLATE = "onbeat_template"
_numbers = itertools.count()
_templates_made: set[int] = set()

BACKENDS = ("sqlite", "postgresql")


def _admin(cluster: Cluster, sql: str) -> None:
    engine = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(sql)
    finally:
        engine.dispose()


def fresh_database(cluster: Cluster, name: str | None = None) -> str:
    """The URL of a new, empty OnBeat database of the newest schema on ``cluster``."""
    if cluster.port not in _templates_made:
        _admin(cluster, f"CREATE DATABASE {TEMPLATE}")
        open_server_store(cluster.database_url(TEMPLATE), read_only=False, upgrade=True).close()
        _templates_made.add(cluster.port)
    name = name or f"onbeat_{next(_numbers)}"
    _admin(cluster, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return cluster.database_url(name)


def open_backend(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Store:
    """A new, writable store of ``backend``: a SQLite file in ``data_dir``, or a database
    of its own on the session's PostgreSQL cluster."""
    if backend == "sqlite":
        return open_store(data_dir)
    cluster = request.getfixturevalue("postgres")
    return open_server_store(fresh_database(cluster), read_only=False)


def refused_record(store: Store) -> type[Exception]:
    """The error the store's database raises for a row a constraint refuses."""
    if type(store).__module__.startswith("engine.store.sqlite"):
        import sqlite3

        return sqlite3.IntegrityError
    import psycopg

    return psycopg.IntegrityError
