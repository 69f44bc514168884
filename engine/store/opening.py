"""Which store serves a data folder, and where that folder is by default. The one place that
chooses a backend: everything else asks for ``open_store(data_dir)`` and gets a Store."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from engine.store.protocol import Store
from engine.store.sqlite.store import DATABASE_FILE_NAME, SqliteStore


def default_data_dir() -> Path:
    """Where OnBeat keeps its data unless ``--data-dir`` says otherwise."""
    return Path(platformdirs.user_data_dir("OnBeat", appauthor=False))


def store_exists(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds OnBeat data (opening a store would otherwise make it)."""
    return (Path(data_dir) / DATABASE_FILE_NAME).exists()


def store_files(data_dir: Path) -> list[Path]:
    """The files in ``data_dir`` that hold the store's data (the database and the journal
    files beside it), for those who keep them private."""
    return sorted(Path(data_dir).glob(f"{DATABASE_FILE_NAME}*"))


def open_store(data_dir: Path) -> Store:
    """Open (creating if needed) the store in ``data_dir``, its schema brought up to date.
    Raises StoreError (SchemaTooNewError for data of a newer OnBeat) naming the file."""
    return SqliteStore.open(data_dir)
