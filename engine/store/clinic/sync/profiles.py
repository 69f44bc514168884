"""Profile edits that travel: a name, avatar, birth year or archiving changed on one station
reaches the server and every other station; the later edit wins.

Each profile carries when it was last edited (``modified_at_utc``, UTC to the microsecond)
and on which station (``modified_by``), stamped by the store on every edit after its
creation (engine/store/sql/sessions.py); a profile never edited counts from its creation.
Per profile, the copy with the later edit replaces the other whole (two edits in the same
microsecond: the station name, then the values, decide, so both sides agree). A station
whose own edit is replaced by another station's writes an audit row naming the profile's
code, what it had, what replaced it, and the station and time of the edit that won (a copy
never edited here loses nothing of this station's: no row). The copy is settled whole: a
rename on one station and a later archiving on another leave the profile archived under
the name the archiving station had, and the renaming station's audit row says so.
"""

from __future__ import annotations

from sqlalchemy import update

from engine.store.clinic.sync import keyed as k
from engine.store.clinic.sync.keyed import SyncCounts
from engine.store.records import AuditEntry
from engine.store.sql import tables as t
from engine.store.sql.connected import utc_now
from engine.store.sql.store import SqlStore

EDITED = ("display_name", "avatar", "birth_year", "archived_at_utc")
_STAMP = ("modified_at_utc", "modified_by")
_SHOWN = {
    "display_name": "name",
    "avatar": "avatar",
    "birth_year": "birth year",
    "archived_at_utc": "archived",
}


def _copies(store: SqlStore) -> dict[str, dict]:
    names = ["uuid", "code", "created_at_utc", *EDITED, *_STAMP]
    return {row["uuid"]: row for row in k.rows(store, t.profiles, names)}


def _order(copy: dict) -> tuple:
    """What decides between two copies: the later edit (a profile from before edits were
    dated counts from its creation), then the station, then the values themselves."""
    return (
        copy["modified_at_utc"] or copy["created_at_utc"],
        copy["modified_by"] or "",
        tuple(repr(copy[name]) for name in EDITED),
    )


def _differs(one: dict, other: dict) -> bool:
    return any(one[name] != other[name] for name in (*EDITED, *_STAMP))


def _overwrite(store: SqlStore, copy: dict) -> None:
    values = {name: copy[name] for name in (*EDITED, *_STAMP)}
    store._run(update(t.profiles).where(t.profiles.c.uuid == copy["uuid"]).values(values))


def _shown(name: str, value: object) -> str:
    if value is None:
        return "no" if name == "archived_at_utc" else "none"
    return repr(value) if isinstance(value, str) and name != "archived_at_utc" else str(value)


def replaced_detail(lost: dict, won: dict) -> str:
    """The audit row's words: which profile, what this station had, what replaced it."""
    changes = "; ".join(
        f"{_SHOWN[name]} {_shown(name, lost[name])} -> {_shown(name, won[name])}"
        for name in EDITED
        if lost[name] != won[name]
    )
    return (
        f"profile {lost['code']}: the edit made here ({lost['modified_at_utc']}) was replaced by "
        f"a later one made on {won['modified_by'] or 'another station'} "
        f"({won['modified_at_utc']}): {changes or 'same values'}"
    )


def settle_profile_edits(
    station: SqlStore, server: SqlStore, station_name: str, counts: SyncCounts
) -> None:
    """Both sides hold every profile by now (sent up, brought down); the later copy of each
    replaces the other one."""
    here, there = _copies(station), _copies(server)
    winners_here = [
        key
        for key, mine in here.items()
        if key in there and _differs(mine, there[key]) and _order(mine) > _order(there[key])
    ]
    winners_there = [
        key
        for key, theirs in there.items()
        if key in here and _differs(theirs, here[key]) and _order(theirs) > _order(here[key])
    ]
    with server.transaction():
        for key in winners_here:
            _overwrite(server, here[key])
    counts.profile_edits_sent += len(winners_here)
    with station.transaction():
        for key in winners_there:
            _overwrite(station, there[key])
            if here[key]["modified_by"] == station_name:
                station.add_audit_entry(
                    AuditEntry(
                        utc_now(), station_name, "profiles", replaced_detail(here[key], there[key])
                    )
                )
    counts.profile_edits_received += len(winners_there)
