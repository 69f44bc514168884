"""Alembic, driven from code: which schema version a database is at, and bringing it to the
newest, all or nothing.

Revision ``"0007"`` is schema version 7. A database keeps its revision in Alembic's
``alembic_version`` table and, as the releases before Alembic did, one row per version in
``schema_version`` (so that an older OnBeat still sees that a file is too new for it). A file
of those releases has no ``alembic_version``: it is stamped at its old version and upgraded
from there. The caller's connection is in the driver's autocommit mode (engine/store/sql/
connected.py); the upgrade runs in one transaction begun here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, insert, inspect, select

from engine.store.protocol import SchemaTooNewError, SchemaTooOldError
from engine.store.sql import tables as t
from engine.store.sql.connected import utc_now

HERE = Path(__file__).parent
# Where the revisions are; a test may add a folder of its own (a revision that fails, or one
# that a newer OnBeat would bring).
VERSION_LOCATIONS: tuple[Path, ...] = (HERE / "versions",)
# The newest version of the releases before Alembic. Files of the OnBeat that added two more
# hand-written migrations (taps' velocity and device, then the clinic's chart tables) say 9
# or 10 in schema_version although they lack version 9's clinic-wide keys: they are stamped
# here, and revisions 10 and 11 keep what such a file has already.
LAST_VERSION_BEFORE_ALEMBIC = 8
# Two programs upgrading one PostgreSQL server at once take turns on this lock.
_UPGRADE_LOCK_KEY = 0x0B_EA7


@functools.cache
def _script(locations: tuple[Path, ...]) -> ScriptDirectory:
    return ScriptDirectory(str(HERE), version_locations=[str(folder) for folder in locations])


def script() -> ScriptDirectory:
    return _script(VERSION_LOCATIONS)


def revision_of(version: int) -> str:
    return f"{version:04d}"


def newest_version() -> int:
    """The schema version this OnBeat makes and reads."""
    return int(script().get_current_head())


def stored_version(connection: Connection) -> int:
    """The schema version of the database; 0 for a new, empty one (no tables yet)."""
    names = set(inspect(connection).get_table_names())
    versions = [0]
    if "alembic_version" in names:
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        versions.append(0 if revision is None else int(revision))
    # Also kept by the releases before Alembic, and by any OnBeat since.
    if "schema_version" in names:
        versions.append(
            connection.execute(
                select(func.coalesce(func.max(t.schema_version.c.version), 0))
            ).scalar_one()
        )
    return int(max(versions))


def too_new(where: str, version: int, fix: str) -> SchemaTooNewError:
    return SchemaTooNewError(
        f"{where} was written by a newer OnBeat (schema version {version}; this one knows up "
        f"to {newest_version()}): update OnBeat on this computer, or {fix}."
    )


def check_readable_version(connection: Connection, where: str, fix: str) -> None:
    """For a database opened to read only, which must not migrate: raise SchemaTooNewError
    or SchemaTooOldError unless it is of exactly this OnBeat's schema."""
    version, newest = stored_version(connection), newest_version()
    if version > newest:
        raise too_new(where, version, fix)
    if version < newest:
        raise SchemaTooOldError(
            f"{where} was written by an older OnBeat (schema version {version}, now "
            f"{newest}), and this command only reads. Upgrade it with a write command "
            "first (start OnBeat once, or record with `run.py play` or `run.py demo`; for a "
            "clinic's server `run.py clinic init`), then try again."
        )


def migrate(
    connection: Connection, where: str, fix: str, target_version: int | None = None
) -> None:
    """Bring the database up to ``target_version`` (the newest by default), all or nothing.
    Raises SchemaTooNewError for a database of a newer OnBeat; the driver's error when the
    database refuses (the caller says what that means). Takes the write lock only when there
    is work to do."""
    newest = newest_version()
    target = newest if target_version is None else target_version
    current = stored_version(connection)
    if current > newest:
        raise too_new(where, current, fix)
    if current >= target and _has_alembic_table(connection):
        return
    sqlite = connection.dialect.name == "sqlite"
    # A revision may rebuild a table (SQLite's only way to change a constraint), and dropping
    # the old table with foreign keys on would count every row that refers to it as broken.
    # The switch has no effect inside a transaction, so it is flipped around it; a revision
    # that rebuilds a table checks the rows that refer to it.
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
        try:
            if not sqlite:
                connection.execute(select(func.pg_advisory_xact_lock(_UPGRADE_LOCK_KEY)))
            # Again under the lock: another program may have migrated meanwhile.
            current = stored_version(connection)
            if current > newest:
                raise too_new(where, current, fix)
            if current < target or not _has_alembic_table(connection):
                _upgrade(connection, current, max(current, target))
            connection.exec_driver_sql("COMMIT")
        except BaseException:
            if _in_transaction(connection):
                connection.exec_driver_sql("ROLLBACK")
            raise
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def _in_transaction(connection: Connection) -> bool:
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return bool(driver.in_transaction)
    return driver.info.transaction_status != 0


def _has_alembic_table(connection: Connection) -> bool:
    return "alembic_version" in inspect(connection).get_table_names()


def _upgrade(connection: Connection, current: int, target: int) -> None:
    """Stamp a file of the releases before Alembic at its version, then upgrade to
    ``target`` (which may be where it is)."""
    revisions = script()
    has_alembic_table = _has_alembic_table(connection)
    destination = revision_of(target)

    def steps(heads: tuple[str, ...], _context: object) -> list:
        return revisions._upgrade_revs(destination, heads)

    with EnvironmentContext(Config(), revisions, fn=steps, destination_rev=destination) as env:
        # transactional_ddl: the whole upgrade is the one transaction begun by migrate().
        env.configure(connection=connection, transactional_ddl=True)
        if current and not has_alembic_table:
            stamped = min(current, LAST_VERSION_BEFORE_ALEMBIC)
            env.get_context().stamp(revisions, revision_of(stamped))
        env.run_migrations()
    t.schema_version.create(connection, checkfirst=True)
    now = utc_now()
    for version in range(current + 1, target + 1):
        connection.execute(insert(t.schema_version).values(version=version, applied_at_utc=now))


def check_tables(connection: Connection, damaged: Callable[[str], Exception]) -> None:
    """Raise ``damaged(what)`` if a table or column of the current schema is missing (the
    database was changed by another program, or damaged), before any command trips over it.
    One empty select a table asks (plain SQL: nothing to compile, so opening stays quick);
    only when one fails is the schema read to say what."""
    try:
        for table in t.metadata.sorted_tables:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            connection.exec_driver_sql(f'SELECT {columns} FROM "{table.name}" LIMIT 0').all()
    except Exception:
        what = _what_is_missing(connection)
        if what is None:
            raise  # not a missing table or column: the caller says what it is
        raise damaged(what) from None


def _what_is_missing(connection: Connection) -> str | None:
    inspector = inspect(connection)
    found = set(inspector.get_table_names())
    for table in t.metadata.sorted_tables:
        if table.name not in found:
            return f"the table '{table.name}' is missing"
        have = {column["name"] for column in inspector.get_columns(table.name)}
        lacking = [column.name for column in table.columns if column.name not in have]
        if lacking:
            return f"the table '{table.name}' lacks {', '.join(lacking)}"
    return None
