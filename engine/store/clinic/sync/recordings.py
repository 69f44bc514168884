"""The recordings of a sync: profiles, plans, ended sessions whole, notes and audit rows go
up; profiles and plans the station lacks come down; the later plan assignment wins."""

from __future__ import annotations

from sqlalchemy import Table, select

from engine.store.clinic.sync import keyed as k
from engine.store.clinic.sync.keyed import SyncCounts
from engine.store.records import SESSION_RUNNING, AuditEntry
from engine.store.sql import tables as t
from engine.store.sql.connected import upsert, utc_now
from engine.store.sql.store import SqlStore

# Rows of a session that travel with it: (table, its columns but session_id). The progress
# sums go too, with the metrics version that computed them (sessions.limb_stats_version):
# they follow from the same taps, and a server then need not read every tap again.
_SESSION_PARTS: tuple[tuple[Table, tuple[str, ...]], ...] = tuple(
    (table, tuple(column.name for column in table.columns if column.name != "session_id"))
    for table in t.SESSION_PARTS
)


# --- up -------------------------------------------------------------------------------------
def send_profiles(station: SqlStore, server: SqlStore, counts: SyncCounts) -> dict[int, int]:
    """Station profile id -> server profile id, sending the profiles the server lacks."""
    rows = k.rows(station, t.profiles, ["id", *k.columns(t.profiles)])
    present = k.ids_by_key(server, t.profiles, (row["uuid"] for row in rows))
    missing = [k.without_id(row) for row in rows if row["uuid"] not in present]
    counts.profiles_sent += k.add_missing(server, t.profiles, missing, {})
    on_server = k.ids_by_key(server, t.profiles, (row["uuid"] for row in rows))
    return {row["id"]: on_server[row["uuid"]] for row in rows}


def send_plans(
    station: SqlStore, server: SqlStore, profiles: dict[int, int], counts: SyncCounts
) -> dict[int, int]:
    rows = k.rows(station, t.session_plans, ["id", *k.columns(t.session_plans)])
    present = k.ids_by_key(server, t.session_plans, (row["uuid"] for row in rows))
    missing = [k.without_id(row) for row in rows if row["uuid"] not in present]
    counts.plans_sent += k.add_missing(server, t.session_plans, missing, {"profile_id": profiles})
    on_server = k.ids_by_key(server, t.session_plans, (row["uuid"] for row in rows))
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
    values = k.without_id(session)
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


def send_sessions(
    station: SqlStore,
    server: SqlStore,
    profiles: dict[int, int],
    plans: dict[int, int],
    counts: SyncCounts,
) -> None:
    names = ["id", *k.columns(t.sessions)]
    ended = k.rows(station, t.sessions, names, t.sessions.c.status != SESSION_RUNNING)
    counts.sessions_waiting = len(
        k.rows(station, t.sessions, ["id"], t.sessions.c.status == SESSION_RUNNING)
    )
    present = k.ids_by_key(server, t.sessions, (row["uuid"] for row in ended))
    for session in ended:
        if session["uuid"] in present:
            continue
        taps = _send_session(station, server, session, profiles, plans)
        if taps is not None:
            counts.sessions_sent += 1
            counts.taps_sent += taps


def send_notes_and_audit(
    station: SqlStore, server: SqlStore, profiles: dict[int, int], counts: SyncCounts
) -> None:
    notes = k.rows(station, t.notes, ["id", *k.columns(t.notes)])
    local_sessions = dict(station._fetch_rows(select(t.sessions.c.id, t.sessions.c.uuid)))
    on_server = k.ids_by_key(server, t.sessions, local_sessions.values())
    sessions = {
        local_id: on_server[key] for local_id, key in local_sessions.items() if key in on_server
    }
    present = k.ids_by_key(server, t.notes, (row["uuid"] for row in notes))
    # A note about a session that has not gone up yet waits with it.
    missing = [
        k.without_id(row)
        for row in notes
        if row["uuid"] not in present
        and (row["session_id"] is None or row["session_id"] in sessions)
    ]
    counts.notes_sent += k.add_missing(
        server, t.notes, missing, {"profile_id": profiles, "session_id": sessions}
    )
    audit = k.rows(station, t.audit_log, k.columns(t.audit_log))
    present = k.ids_by_key(server, t.audit_log, (row["uuid"] for row in audit))
    counts.audit_rows_sent += k.add_missing(
        server, t.audit_log, [row for row in audit if row["uuid"] not in present], {}
    )


# --- down -----------------------------------------------------------------------------------
def receive(station: SqlStore, server: SqlStore, counts: SyncCounts) -> None:
    profiles = k.rows(server, t.profiles, ["id", *k.columns(t.profiles)])
    present = k.ids_by_key(station, t.profiles, (row["uuid"] for row in profiles))
    counts.profiles_received += k.add_missing(
        station,
        t.profiles,
        [k.without_id(row) for row in profiles if row["uuid"] not in present],
        {},
    )
    profile_ids = k.translation(server, station, t.profiles)
    plans = k.rows(server, t.session_plans, ["id", *k.columns(t.session_plans)])
    present = k.ids_by_key(station, t.session_plans, (row["uuid"] for row in plans))
    counts.plans_received += k.add_missing(
        station,
        t.session_plans,
        [k.without_id(row) for row in plans if row["uuid"] not in present],
        {"profile_id": profile_ids},
    )


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
    profile_id = k.ids_by_key(store, t.profiles, [profile_key])[profile_key]
    plan_id = k.ids_by_key(store, t.session_plans, [plan_key])[plan_key]
    statement = upsert(store._dialect_name, t.profile_plans).values(
        profile_id=profile_id, plan_id=plan_id, assigned_at_utc=assigned_at_utc
    )
    store._run(
        statement.on_conflict_do_update(
            index_elements=["profile_id"],
            set_={"plan_id": plan_id, "assigned_at_utc": assigned_at_utc},
        )
    )


def code_of(store: SqlStore, profile_key: str) -> str:
    """The profile code a therapist knows the child by (the UUID names it to machines)."""
    query = select(t.profiles.c.code).where(t.profiles.c.uuid == profile_key)
    [(code,)] = store._fetch_rows(query)
    return str(code)


def settle_assignments(
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
                        f"the plan of profile {code_of(station, profile)} was replaced by a "
                        f"later one given on another station ({at})",
                    )
                )


def sessions_not_on_server(station: SqlStore, server: SqlStore) -> int:
    """Ended sessions of the station that the server lacks."""
    ended = dict(
        station._fetch_rows(
            select(t.sessions.c.id, t.sessions.c.uuid).where(t.sessions.c.status != SESSION_RUNNING)
        )
    )
    return len(ended) - len(k.ids_by_key(server, t.sessions, ended.values()))
