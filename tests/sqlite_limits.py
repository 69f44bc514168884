"""A database that may not grow: what a full disk looks like to SQLite, without filling one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path


def connect_with_room_for(pages: int) -> Callable[..., sqlite3.Connection]:
    """A ``connect`` for SqliteStore.open whose connection may add only ``pages`` pages to
    the file; beyond them SQLite answers as if the disk were full."""

    def connect(path: Path, **kwargs: object) -> sqlite3.Connection:
        connection = sqlite3.connect(path, **kwargs)
        (page_count,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {page_count + pages}")
        return connection

    return connect
