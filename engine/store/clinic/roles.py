"""The database role of a station on the clinic's server: it may read the clinic, add rows
(sessions and everything they produced, profiles, plans, notes, audit rows, the chart's
rows, shared levels), and change only what a clinic edits after the fact and settles by the
later edit: a profile's plan, a profile's name, avatar, birth year and archiving, a
therapist's PIN and retiring, a goal's closing, a profile's chart fields and default codes
and a session's minutes per code (the last three are replaced whole, so deleted and added).
Never a session, tap, note, signature or audit row, its own or another station's. A
therapist or administrator keeps the owner's role; backups (pg_dump) need only reading."""

from __future__ import annotations

from sqlalchemy import Connection

from engine.store.sql import tables as t

# Rows a station adds (a session's progress sums travel with it). profile_plans: a station
# also moves a profile's plan (the later assignment wins), so it may update that one table.
ADDED_BY_STATIONS = (
    t.profiles,
    t.session_plans,
    t.sessions,
    *t.SESSION_PARTS,
    t.notes,
    t.audit_log,
    t.therapists,
    t.signatures,
    t.goals,
    t.clinic_levels,
)
# Rows that later edits change in place (the later edit wins, engine/store/clinic/sync/).
UPDATED_BY_STATIONS = (t.profile_plans, t.profiles, t.therapists, t.goals, t.clinic_levels)
# Rows replaced whole per session or profile.
REPLACED_BY_STATIONS = (t.session_minutes, t.chart_fields, t.default_codes)


def station_role_grants(role: str) -> list[str]:
    """The statements that give the existing role ``role`` what a station needs, no more."""
    quoted = '"' + role.replace('"', '""') + '"'
    added = ", ".join(table.name for table in ADDED_BY_STATIONS)
    replaced = ", ".join(table.name for table in REPLACED_BY_STATIONS)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT INSERT ON {added} TO {quoted}",
        f"GRANT INSERT, UPDATE ON {t.profile_plans.name} TO {quoted}",
        f"GRANT UPDATE ON {', '.join(table.name for table in UPDATED_BY_STATIONS)} TO {quoted}",
        f"GRANT INSERT, UPDATE, DELETE ON {replaced} TO {quoted}",
        # New rows take their ids from the tables' sequences.
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ]


def grant_station_role(connection: Connection, role: str) -> None:
    """Give ``role`` (made beforehand by the administrator, with its password) a station's
    rights on the server's tables, in one transaction."""
    connection.exec_driver_sql("BEGIN")
    try:
        for statement in station_role_grants(role):
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("COMMIT")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
