"""The store's seams: the SQLite backend offers exactly the Store protocol, its tables hold
exactly the records' fields, and only the store's own modules name the backend."""

from __future__ import annotations

import ast
import inspect
import sqlite3
from pathlib import Path

import pytest

from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.records import (
    ADAPTATION_STEP_FIELDS,
    BEAT_FIELDS,
    TAP_FIELDS,
    TASK_FIELDS,
)
from engine.store.sqlite.store import DATABASE_FILE_NAME, SqliteStore

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_MEMBERS = sorted(
    name
    for name, value in vars(Store).items()
    if not name.startswith("_") and inspect.isfunction(value)
)


def test_the_protocol_lists_what_the_store_offers() -> None:
    assert len(PROTOCOL_MEMBERS) > 30  # the check has teeth
    offered = {
        name
        for name, value in inspect.getmembers(SqliteStore)
        if not name.startswith("_") and callable(value)
    }
    # open and open_for_reading make a store; everything else a caller may use is in the
    # protocol.
    assert offered - {"open", "open_for_reading"} == set(PROTOCOL_MEMBERS)


@pytest.mark.parametrize("name", PROTOCOL_MEMBERS)
def test_the_sqlite_store_takes_what_the_protocol_promises(name: str) -> None:
    promised = inspect.signature(getattr(Store, name))
    offered = inspect.signature(getattr(SqliteStore, name))
    parameters = [(p.name, p.kind, p.default) for p in promised.parameters.values()]
    if isinstance(inspect.getattr_static(SqliteStore, name), staticmethod):
        parameters = parameters[1:]  # no self
    assert [(p.name, p.kind, p.default) for p in offered.parameters.values()] == parameters


@pytest.mark.parametrize(
    ("table", "fields"),
    [
        ("taps", TAP_FIELDS),
        ("beats", BEAT_FIELDS),
        ("tasks", TASK_FIELDS),
        ("adaptation_steps", ADAPTATION_STEP_FIELDS),
    ],
)
def test_a_table_holds_the_fields_of_its_record(tmp_path: Path, table: str, fields) -> None:
    open_store(tmp_path).close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    finally:
        connection.close()
    assert sorted(columns) == sorted(fields)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def product_files() -> list[Path]:
    files = [ROOT / "run.py"]
    for package in ("engine", "game", "cli"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def test_only_the_store_talks_to_a_database() -> None:
    """SQLAlchemy, Alembic and the PostgreSQL driver are the store's business alone."""
    store_dir = ROOT / "engine" / "store"
    drivers = ("sqlalchemy", "alembic", "psycopg")
    naming = {
        path.relative_to(ROOT).as_posix()
        for path in product_files()
        if not path.is_relative_to(store_dir)
        and any(name.split(".")[0] in drivers for name in imported_modules(path))
    }
    assert naming == set()


def test_only_the_store_names_its_sql_backend() -> None:
    store_dir = ROOT / "engine" / "store"
    # The revisions upgrade SQLite files of older releases, and say so in SQLite's terms.
    allowed = {
        store_dir / "opening.py",
        *(store_dir / "sqlite").rglob("*.py"),
        *(store_dir / "migrations").rglob("*.py"),
    }
    naming = {
        path.relative_to(ROOT).as_posix()
        for path in product_files()
        if path not in allowed
        and any(
            name == "sqlite3" or name.startswith("engine.store.sqlite")
            for name in imported_modules(path)
        )
    }
    assert naming == set()


def test_pure_logic_never_reaches_the_sql_module() -> None:
    """Sessions, metrics, reports and billing import the store's records (the chart's too),
    columns and protocol only: nothing that opens a database."""
    allowed = {
        "engine.store.records",
        "engine.store.chart_records",
        "engine.store.columns",
        "engine.store.protocol",
    }
    reaching = {}
    for package in ("session", "metrics", "reports", "billing"):
        for path in sorted((ROOT / "engine" / package).rglob("*.py")):
            store_imports = {
                name.rsplit(".", 1)[0] if name.rsplit(".", 1)[0] in allowed else name
                for name in imported_modules(path)
                if name.startswith("engine.store")
            }
            if store_imports - allowed:
                reaching[path.relative_to(ROOT).as_posix()] = sorted(store_imports - allowed)
    assert reaching == {}
