"""What every part of a sync shares: reading rows as dicts, finding rows by their clinic-wide
keys (UUIDs), adding the rows one side lacks, translating ids between the two databases, and
the counts of what moved."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Table, select

from engine.store.sql.connected import upsert
from engine.store.sql.store import SqlStore

_KEY_CHUNK = 500  # UUIDs asked about in one query


@dataclass
class SyncCounts:
    """What one sync moved."""

    profiles_sent: int = 0
    plans_sent: int = 0
    sessions_sent: int = 0
    taps_sent: int = 0
    notes_sent: int = 0
    audit_rows_sent: int = 0
    profiles_received: int = 0
    plans_received: int = 0
    assignments_received: int = 0
    profile_edits_sent: int = 0  # edits made here that replaced the server's copy
    profile_edits_received: int = 0  # later edits made elsewhere that replaced this station's
    chart_rows_sent: int = 0  # therapists, signatures, goals, minutes, chart fields, codes
    chart_rows_received: int = 0
    levels_received: int = 0  # clinic levels written (new or newer) into the data folder
    level_problems: tuple[str, ...] = ()  # clinic levels that failed to load here: not written
    sessions_waiting: int = 0  # still running here: they go up once they end

    @property
    def changed(self) -> bool:
        return any(
            getattr(self, field.name)
            for field in fields(self)
            if field.name not in ("sessions_waiting", "level_problems")
        )


def columns(table: Table, leave_out: Iterable[str] = ("id",)) -> list[str]:
    left_out = set(leave_out)
    return [column.name for column in table.columns if column.name not in left_out]


def rows(store: SqlStore, table: Table, names: Sequence[str], *where: Any) -> list[dict]:
    query = select(*(table.c[name] for name in names)).where(*where)
    return [dict(zip(names, row, strict=True)) for row in store._fetch_rows(query)]


def without_id(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != "id"}


def ids_by_key(store: SqlStore, table: Table, keys: Iterable[str | None]) -> dict[str, int]:
    """id of each row of ``table`` whose UUID is among ``keys``."""
    wanted = sorted({key for key in keys if key is not None})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _KEY_CHUNK):
        chunk = wanted[start : start + _KEY_CHUNK]
        query = select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk))
        found.update((key, int(row_id)) for key, row_id in store._fetch_rows(query))
    return found


def add_missing(target: SqlStore, table: Table, new_rows: list[dict], translate: dict) -> int:
    """Add ``new_rows`` (with their uuid) that ``target`` lacks, translating the foreign ids
    named in ``translate`` (column -> {source id: target id}). Returns how many were new."""
    if not new_rows:
        return 0
    added = 0
    statement = upsert(target._dialect_name, table).on_conflict_do_nothing()
    with target.transaction():
        for row in new_rows:
            values = dict(row)
            for column, ids in translate.items():
                if values.get(column) is not None:
                    values[column] = ids[values[column]]
            inserted = target._run(statement.values(values).returning(table.c.uuid)).first()
            added += inserted is not None
    return added


def translation(source: SqlStore, target: SqlStore, table: Table) -> dict[int, int]:
    """Source id -> target id of the rows of ``table`` both hold (by UUID)."""
    source_keys = dict(source._fetch_rows(select(table.c.id, table.c.uuid)))
    target_ids = ids_by_key(target, table, source_keys.values())
    return {
        source_id: target_ids[key] for source_id, key in source_keys.items() if key in target_ids
    }


def keys_by_id(store: SqlStore, table: Table) -> dict[int, str]:
    """id -> UUID of every row of ``table``."""
    return {int(row_id): key for row_id, key in store._fetch_rows(select(table.c.id, table.c.uuid))}
