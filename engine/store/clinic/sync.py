"""One sync of a station with its clinic's server: send what the server lacks, bring down
what the station lacks.

Sending is keyed by the clinic-wide UUIDs (engine/store/migrations/versions/r0009_*): a
profile, plan, note or audit row is added with ON CONFLICT DO NOTHING; a session that has
ended goes up with its tasks, targets, taps, adaptation steps and migration notes in one
server transaction, so a session is on the server whole or not at all. A sync killed in the
middle leaves whole sessions behind, and the next one sends the rest; sending again adds
nothing. Running sessions wait for their end. Each database keeps its own integer ids: rows
that refer to a profile, plan or session are translated through the UUIDs.

Coming down: profiles and plans the station lacks, and the plan each profile plays. Two
therapists giving one profile different plans: the later assignment wins (assigned_at_utc),
on both sides, and a station whose assignment is replaced writes an audit row saying so.
Profiles themselves are added, never overwritten: a rename on one station stays there.

The clinic's chart (schema version 11: therapists, minutes per code, signatures, goals, chart
fields, default codes) does not travel yet. Therapists, signatures and goals have UUIDs for it
(tables.CHART_KEYED) and would go as notes do; the others are keyed by the UUID of their
session or profile and their code, and would replace the server's rows of that parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select

from engine.store.records import SESSION_RUNNING, AuditEntry
from engine.store.sql import tables as t
from engine.store.sql.connected import upsert, utc_now
from engine.store.sql.store import SqlStore

# Rows of a session that travel with it: (table, its columns but session_id). The progress
# sums go too, with the metrics version that computed them (sessions.limb_stats_version):
# they follow from the same taps, and a server then need not read every tap again.
_SESSION_PARTS: tuple[tuple[Table, tuple[str, ...]], ...] = tuple(
    (table, tuple(column.name for column in table.columns if column.name != "session_id"))
    for table in (
        t.tasks,
        t.beats,
        t.taps,
        t.adaptation_steps,
        t.migration_notes,
        t.task_limb_stats,
    )
)
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
    sessions_waiting: int = 0  # still running here: they go up once they end

    @property
    def changed(self) -> bool:
        return any(value for name, value in vars(self).items() if name != "sessions_waiting")


def _columns(table: Table, leave_out: Iterable[str] = ("id",)) -> list[str]:
    return [column.name for column in table.columns if column.name not in set(leave_out)]


def _rows(store: SqlStore, table: Table, names: Sequence[str], *where: Any) -> list[dict]:
    query = select(*(table.c[name] for name in names)).where(*where)
    return [dict(zip(names, row, strict=True)) for row in store._fetch_rows(query)]


def _ids_by_key(store: SqlStore, table: Table, keys: Iterable[str | None]) -> dict[str, int]:
    """id of each row of ``table`` whose UUID is among ``keys``."""
    wanted = sorted({key for key in keys if key is not None})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _KEY_CHUNK):
        chunk = wanted[start : start + _KEY_CHUNK]
        query = select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk))
        found.update((key, int(row_id)) for key, row_id in store._fetch_rows(query))
    return found


def _keys_of(store: SqlStore, table: Table) -> set[str]:
    return {key for (key,) in store._fetch_rows(select(table.c.uuid)) if key is not None}


def _add_missing(
    target: SqlStore, table: Table, rows: list[dict], translate: dict[str, dict]
) -> int:
    """Add ``rows`` (with their uuid) that ``target`` lacks, translating the foreign ids
    named in ``translate`` (column -> {source id: target id}). Returns how many were new."""
    if not rows:
        return 0
    added = 0
    statement = upsert(target._dialect_name, table).on_conflict_do_nothing()
    with target.transaction():
        for row in rows:
            values = dict(row)
            for column, ids in translate.items():
                if values.get(column) is not None:
                    values[column] = ids[values[column]]
            inserted = target._run(statement.values(values).returning(table.c.uuid)).first()
            added += inserted is not None
    return added


# --- up -------------------------------------------------------------------------------------
def _send_profiles(station: SqlStore, server: SqlStore, counts: SyncCounts) -> dict[int, int]:
    """Station profile id -> server profile id, sending the profiles the server lacks."""
    rows = _rows(station, t.profiles, ["id", *_columns(t.profiles)])
    present = _ids_by_key(server, t.profiles, (row["uuid"] for row in rows))
    missing = [_without_id(row) for row in rows if row["uuid"] not in present]
    counts.profiles_sent += _add_missing(server, t.profiles, missing, {})
    on_server = _ids_by_key(server, t.profiles, (row["uuid"] for row in rows))
    return {row["id"]: on_server[row["uuid"]] for row in rows}


def _without_id(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != "id"}


def _send_plans(
    station: SqlStore, server: SqlStore, profiles: dict[int, int], counts: SyncCounts
) -> dict[int, int]:
    rows = _rows(station, t.session_plans, ["id", *_columns(t.session_plans)])
    present = _ids_by_key(server, t.session_plans, (row["uuid"] for row in rows))
    missing = [_without_id(row) for row in rows if row["uuid"] not in present]
    counts.plans_sent += _add_missing(server, t.session_plans, missing, {"profile_id": profiles})
    on_server = _ids_by_key(server, t.session_plans, (row["uuid"] for row in rows))
    return {row["id"]: on_server[row["uuid"]] for row in rows}


def _send_session(
    station: SqlStore,
    server: SqlStore,
    session: dict,
    profiles: dict[int, int],
    plans: dict[int, int],
) -> int | None:
    """Send one ended session whole, in one server transaction; the taps it held, or None
    when another sync sent it meanwhile."""
    values = _without_id(session)
    values["profile_id"] = profiles[values["profile_id"]]
    if values["plan_id"] is not None:
        values["plan_id"] = plans[values["plan_id"]]
    statement = upsert(server._dialect_name, t.sessions).values(values)
    taps = 0
    with server.transaction():
        new_id = server._run(
            statement.on_conflict_do_nothing(index_elements=["uuid"]).returning(t.sessions.c.id)
        ).scalar_one_or_none()
        if new_id is None:
            return None
        for table, names in _SESSION_PARTS:
            rows = station._fetch_rows(
                select(*(table.c[name] for name in names)).where(
                    table.c.session_id == session["id"]
                )
            )
            server._insert_many(table, ("session_id", *names), ((new_id, *row) for row in rows))
            if table is t.taps:
                taps = len(rows)
    return taps


def _send_sessions(
    station: SqlStore,
    server: SqlStore,
    profiles: dict[int, int],
    plans: dict[int, int],
    counts: SyncCounts,
) -> None:
    names = ["id", *_columns(t.sessions)]
    ended = _rows(station, t.sessions, names, t.sessions.c.status != SESSION_RUNNING)
    counts.sessions_waiting = len(
        _rows(station, t.sessions, ["id"], t.sessions.c.status == SESSION_RUNNING)
    )
    present = _ids_by_key(server, t.sessions, (row["uuid"] for row in ended))
    for session in ended:
        if session["uuid"] in present:
            continue
        taps = _send_session(station, server, session, profiles, plans)
        if taps is not None:
            counts.sessions_sent += 1
            counts.taps_sent += taps


def _send_notes_and_audit(
    station: SqlStore, server: SqlStore, profiles: dict[int, int], counts: SyncCounts
) -> None:
    notes = _rows(station, t.notes, ["id", *_columns(t.notes)])
    local_sessions = dict(station._fetch_rows(select(t.sessions.c.id, t.sessions.c.uuid)))
    on_server = _ids_by_key(server, t.sessions, local_sessions.values())
    sessions = {
        local_id: on_server[key] for local_id, key in local_sessions.items() if key in on_server
    }
    present = _ids_by_key(server, t.notes, (row["uuid"] for row in notes))
    # A note about a session that has not gone up yet waits with it.
    missing = [
        _without_id(row)
        for row in notes
        if row["uuid"] not in present
        and (row["session_id"] is None or row["session_id"] in sessions)
    ]
    counts.notes_sent += _add_missing(
        server, t.notes, missing, {"profile_id": profiles, "session_id": sessions}
    )
    audit = _rows(station, t.audit_log, _columns(t.audit_log))
    present = _ids_by_key(server, t.audit_log, (row["uuid"] for row in audit))
    counts.audit_rows_sent += _add_missing(
        server, t.audit_log, [row for row in audit if row["uuid"] not in present], {}
    )


# --- down -----------------------------------------------------------------------------------
def _receive(station: SqlStore, server: SqlStore, counts: SyncCounts) -> None:
    profiles = _rows(server, t.profiles, ["id", *_columns(t.profiles)])
    present = _ids_by_key(station, t.profiles, (row["uuid"] for row in profiles))
    counts.profiles_received += _add_missing(
        station,
        t.profiles,
        [_without_id(row) for row in profiles if row["uuid"] not in present],
        {},
    )
    profile_ids = _translation(server, station, t.profiles)
    plans = _rows(server, t.session_plans, ["id", *_columns(t.session_plans)])
    present = _ids_by_key(station, t.session_plans, (row["uuid"] for row in plans))
    counts.plans_received += _add_missing(
        station,
        t.session_plans,
        [_without_id(row) for row in plans if row["uuid"] not in present],
        {"profile_id": profile_ids},
    )


def _translation(source: SqlStore, target: SqlStore, table: Table) -> dict[int, int]:
    """Source id -> target id of the rows of ``table`` both hold (by UUID)."""
    source_keys = dict(source._fetch_rows(select(table.c.id, table.c.uuid)))
    target_ids = _ids_by_key(target, table, source_keys.values())
    return {
        source_id: target_ids[key] for source_id, key in source_keys.items() if key in target_ids
    }


def _later(candidate: tuple[str, str], present: tuple[str, str]) -> bool:
    """Whether the assignment (assigned_at_utc, plan UUID) ``candidate`` wins over
    ``present`` (plan UUID, assigned_at_utc)."""
    return candidate > (present[1], present[0])


def _assignments(store: SqlStore) -> dict[str, tuple[str, str]]:
    """Profile UUID -> (plan UUID, assigned_at_utc) of every plan a profile plays."""
    pp, p, sp = t.profile_plans, t.profiles, t.session_plans
    rows = store._fetch_rows(
        select(p.c.uuid, sp.c.uuid, pp.c.assigned_at_utc).select_from(
            pp.join(p, p.c.id == pp.c.profile_id).join(sp, sp.c.id == pp.c.plan_id)
        )
    )
    return {profile: (plan, at) for profile, plan, at in rows}


def _assign(store: SqlStore, profile_key: str, plan_key: str, assigned_at_utc: str) -> None:
    profile_id = _ids_by_key(store, t.profiles, [profile_key])[profile_key]
    plan_id = _ids_by_key(store, t.session_plans, [plan_key])[plan_key]
    statement = upsert(store._dialect_name, t.profile_plans).values(
        profile_id=profile_id, plan_id=plan_id, assigned_at_utc=assigned_at_utc
    )
    store._run(
        statement.on_conflict_do_update(
            index_elements=["profile_id"],
            set_={"plan_id": plan_id, "assigned_at_utc": assigned_at_utc},
        )
    )


def _code_of(store: SqlStore, profile_key: str) -> str:
    """The profile code a therapist knows the child by (the UUID names it to machines)."""
    query = select(t.profiles.c.code).where(t.profiles.c.uuid == profile_key)
    [(code,)] = store._fetch_rows(query)
    return str(code)


def _settle_assignments(
    station: SqlStore, server: SqlStore, station_name: str, counts: SyncCounts
) -> None:
    """The later assignment of each profile's plan wins, on both sides (two in the same
    microsecond: the one of the plan whose key sorts last, so both sides agree)."""
    here, there = _assignments(station), _assignments(server)
    with server.transaction():
        for profile, (plan, at) in here.items():
            if profile not in there or _later((at, plan), there[profile]):
                _assign(server, profile, plan, at)
    with station.transaction():
        for profile, (plan, at) in there.items():
            if profile in here and not _later((at, plan), here[profile]):
                continue
            _assign(station, profile, plan, at)
            counts.assignments_received += 1
            if profile in here and here[profile][0] != plan:
                station.add_audit_entry(
                    AuditEntry(
                        utc_now(),
                        station_name,
                        "plans",
                        f"the plan of profile {_code_of(station, profile)} was replaced by a "
                        f"later one given on another station ({at})",
                    )
                )


def sync(station: SqlStore, server: SqlStore, station_name: str) -> SyncCounts:
    """Send the server what it lacks and bring down what the station lacks; what moved."""
    counts = SyncCounts()
    profiles = _send_profiles(station, server, counts)
    plans = _send_plans(station, server, profiles, counts)
    _send_sessions(station, server, profiles, plans, counts)
    _send_notes_and_audit(station, server, profiles, counts)
    _receive(station, server, counts)
    _settle_assignments(station, server, station_name, counts)
    return counts


def sessions_not_on_server(station: SqlStore, server: SqlStore) -> int:
    """Ended sessions of the station that the server lacks."""
    ended = dict(
        station._fetch_rows(
            select(t.sessions.c.id, t.sessions.c.uuid).where(t.sessions.c.status != SESSION_RUNNING)
        )
    )
    return len(ended) - len(_ids_by_key(server, t.sessions, ended.values()))
