"""The clinic's chart travels (schema version 11): therapists, goals, signatures, minutes per
code, chart fields and default codes, between a station and its server.

- Therapists, goals and signatures have UUIDs: each side gets the rows it lacks, their
  profile, session and therapist ids translated through the UUIDs. A therapist's PIN hash
  travels with it (never shown), the later one (pin_set_at_utc) winning, so a therapist added
  on one station signs on any; retiring and closing a goal happen once, and travel.
- Signatures are only ever added: a signed record is final.
- Minutes per code, by their session: the station that recorded the session (the only one
  that holds it: sessions never come down) is their author, and its minutes replace the
  server's, until the server holds a signature of that session the station has not seen
  (signed from a copy of the station restored from an older backup, say): then the signed
  minutes come down. Minutes the station lacks come down.
- Chart fields and default codes, by their profile: the later edit wins (updated_at_utc,
  set_at_utc); a side that has none gets the other's.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, insert, update

from engine.store.clinic.sync import keyed as k
from engine.store.clinic.sync.keyed import SyncCounts
from engine.store.sql import tables as t
from engine.store.sql.store import SqlStore


class _Sides:
    """The two stores of a sync and the ids that name the same rows on both."""

    def __init__(self, station: SqlStore, server: SqlStore, counts: SyncCounts) -> None:
        self.station, self.server, self.counts = station, server, counts

    def ids(self, table: Table, source: SqlStore) -> dict[int, int]:
        target = self.server if source is self.station else self.station
        return k.translation(source, target, table)

    def count(self, target: SqlStore, rows: int) -> None:
        if target is self.server:
            self.counts.chart_rows_sent += rows
        else:
            self.counts.chart_rows_received += rows


def _exchange(sides: _Sides, table: Table, translated: dict[str, Table]) -> None:
    """Each side gets the rows of ``table`` (keyed by UUID) it lacks; ``translated``: the
    columns that name a row of another table, and that table. A row naming a row the other
    side lacks (a signature of a session not sent yet) waits."""
    for source, target in ((sides.station, sides.server), (sides.server, sides.station)):
        ids = {column: sides.ids(other, source) for column, other in translated.items()}
        present = set(k.ids_by_key(target, table, (row for row in _keys(source, table))))
        missing = [
            k.without_id(row)
            for row in k.rows(source, table, ["id", *k.columns(table)])
            if row["uuid"] not in present
            and all(row[column] is None or row[column] in ids[column] for column in ids)
        ]
        sides.count(target, k.add_missing(target, table, missing, ids))


def _keys(store: SqlStore, table: Table) -> list[str]:
    return list(k.keys_by_id(store, table).values())


def _by_key(store: SqlStore, table: Table, names: list[str]) -> dict[str, dict]:
    return {row["uuid"]: row for row in k.rows(store, table, ["uuid", *names])}


def _update_by_key(store: SqlStore, table: Table, key: str, values: dict) -> None:
    store._run(update(table).where(table.c.uuid == key).values(values))


def _settle_once_set(sides: _Sides, table: Table, names: list[str]) -> None:
    """Columns ``names`` are set once (retired, closed): a side where they are unset takes
    the other side's."""
    here, there = _by_key(sides.station, table, names), _by_key(sides.server, table, names)
    for mine, theirs, target in ((here, there, sides.server), (there, here, sides.station)):
        with target.transaction():
            for key, row in mine.items():
                other = theirs.get(key)
                if other is not None and row[names[0]] is not None and other[names[0]] is None:
                    _update_by_key(target, table, key, {name: row[name] for name in names})
                    sides.count(target, 1)


def _settle_pins(sides: _Sides) -> None:
    names = ["pin_hash", "pin_set_at_utc"]
    here = _by_key(sides.station, t.therapists, names)
    there = _by_key(sides.server, t.therapists, names)
    for mine, theirs, target in ((here, there, sides.server), (there, here, sides.station)):
        with target.transaction():
            for key, row in mine.items():
                other = theirs.get(key)
                if other is None or (row["pin_hash"], row["pin_set_at_utc"]) == (
                    other["pin_hash"],
                    other["pin_set_at_utc"],
                ):
                    continue
                if (row["pin_set_at_utc"] or "", row["pin_hash"] or "") > (
                    other["pin_set_at_utc"] or "",
                    other["pin_hash"] or "",
                ):
                    _update_by_key(target, t.therapists, key, {name: row[name] for name in names})
                    sides.count(target, 1)


# --- rows kept per parent (a session or a profile), replaced whole --------------------------
def _per_parent(
    store: SqlStore, table: Table, parent: Table, names: list[str]
) -> dict[str, list[dict]]:
    """Parent UUID -> its rows of ``table`` (in position order where it has one)."""
    parent_column = "session_id" if parent is t.sessions else "profile_id"
    keys = k.keys_by_id(store, parent)
    grouped: dict[str, list[dict]] = {}
    for row in k.rows(store, table, [parent_column, *names]):
        grouped.setdefault(keys[row.pop(parent_column)], []).append(row)
    for group in grouped.values():
        group.sort(key=lambda row: (row.get("position", 0), row.get("code", "")))
    return grouped


def _replace(
    sides: _Sides, target: SqlStore, table: Table, parent: Table, key: str, group: list[dict]
) -> None:
    """Replace ``target``'s rows of ``table`` of the parent ``key`` with ``group`` (rows of
    the other side, with their therapist named by UUID)."""
    parent_column = "session_id" if parent is t.sessions else "profile_id"
    parent_id = k.ids_by_key(target, parent, [key])[key]
    therapists = k.ids_by_key(target, t.therapists, (row.get("therapist") for row in group))
    with target.transaction():
        target._run(delete(table).where(table.c[parent_column] == parent_id))
        for row in group:
            values = {name: value for name, value in row.items() if name != "therapist"}
            if "therapist" in row:
                values["therapist_id"] = therapists[row["therapist"]]
            target._run(insert(table).values({parent_column: parent_id, **values}))
    sides.count(target, len(group))


def _with_therapist_keys(store: SqlStore, grouped: dict[str, list[dict]]) -> None:
    keys = k.keys_by_id(store, t.therapists)
    for group in grouped.values():
        for row in group:
            row["therapist"] = keys[row.pop("therapist_id")]


def _settle_minutes(sides: _Sides) -> None:
    names = [c for c in k.columns(t.session_minutes, ("session_id",))]
    here = _per_parent(sides.station, t.session_minutes, t.sessions, names)
    there = _per_parent(sides.server, t.session_minutes, t.sessions, names)
    _with_therapist_keys(sides.station, here)
    _with_therapist_keys(sides.server, there)
    held_here = set(k.keys_by_id(sides.station, t.sessions).values())
    both = held_here & set(k.keys_by_id(sides.server, t.sessions).values())
    signed_here = _signatures_by_session(sides.station)
    signed_there = _signatures_by_session(sides.server)
    for key in sorted(both):
        mine, theirs = here.get(key, []), there.get(key, [])
        if mine == theirs:
            continue
        unseen = signed_there.get(key, set()) - signed_here.get(key, set())
        if mine and not unseen:
            _replace(sides, sides.server, t.session_minutes, t.sessions, key, mine)
        elif theirs:
            _replace(sides, sides.station, t.session_minutes, t.sessions, key, theirs)


def _signatures_by_session(store: SqlStore) -> dict[str, set[str]]:
    sessions = k.keys_by_id(store, t.sessions)
    signed: dict[str, set[str]] = {}
    for row in k.rows(store, t.signatures, ["session_id", "uuid"]):
        signed.setdefault(sessions[row["session_id"]], set()).add(row["uuid"])
    return signed


def _later_group(group: list[dict], stamp: str) -> tuple:
    return (max((row[stamp] or "" for row in group), default=""), repr(group))


def _settle_profile_rows(sides: _Sides, table: Table, stamp: str) -> None:
    """Chart fields or default codes: per profile, the later edit (``stamp``) wins; a side
    that has none gets the other's."""
    names = k.columns(table, ("profile_id",))
    here = _per_parent(sides.station, table, t.profiles, names)
    there = _per_parent(sides.server, table, t.profiles, names)
    for key in sorted(set(here) | set(there)):
        mine, theirs = here.get(key, []), there.get(key, [])
        if mine == theirs:
            continue
        if _later_group(mine, stamp) > _later_group(theirs, stamp):
            _replace(sides, sides.server, table, t.profiles, key, mine)
        else:
            _replace(sides, sides.station, table, t.profiles, key, theirs)


def sync_chart(station: SqlStore, server: SqlStore, counts: SyncCounts) -> None:
    """Both sides hold every profile by now, and the server every ended session."""
    sides = _Sides(station, server, counts)
    _exchange(sides, t.therapists, {})
    _settle_once_set(sides, t.therapists, ["retired_at_utc"])
    _settle_pins(sides)
    _exchange(sides, t.goals, {"profile_id": t.profiles, "therapist_id": t.therapists})
    _settle_once_set(sides, t.goals, ["closed_at_utc", "closed_reason"])
    # Minutes before signatures: a signature made here since the last sync goes up after the
    # minutes it signed.
    _settle_minutes(sides)
    _exchange(sides, t.signatures, {"session_id": t.sessions, "therapist_id": t.therapists})
    _settle_profile_rows(sides, t.chart_fields, "updated_at_utc")
    _settle_profile_rows(sides, t.default_codes, "set_at_utc")
