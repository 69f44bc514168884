"""What a kiosk station keeps in SQLite: its settings (the therapist PIN's hash among them),
the append-only audit log, and the plan each profile plays."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from engine.store.records import (
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    AssignedPlan,
    AuditEntry,
    PlanStep,
)
from engine.store.sqlite.connected import Connected, insert_statement, select_list, utc_now

_ASSIGNED_PLAN_SELECT = (
    "SELECT sp.id, p.code, sp.title, sp.definition_json, sp.source_text, pp.assigned_at_utc "
    "FROM profile_plans AS pp JOIN profiles AS p ON p.id = pp.profile_id "
    "JOIN session_plans AS sp ON sp.id = pp.plan_id "
)


class KioskTables(Connected):
    # --- station settings -----------------------------------------------------------------
    def set_station_setting(self, name: str, value: str) -> None:
        if not name.strip():
            raise ValueError("a station setting needs a name")
        with self.transaction():
            self._connection.execute(
                "INSERT INTO station_settings (name, value, updated_at_utc) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "updated_at_utc = excluded.updated_at_utc",
                (name, value, utc_now()),
            )

    def station_setting(self, name: str) -> str | None:
        row = self._connection.execute(
            "SELECT value FROM station_settings WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else str(row[0])

    # --- the audit log --------------------------------------------------------------------
    def add_audit_entry(self, entry: AuditEntry) -> None:
        if entry.action not in AUDIT_ACTIONS:
            raise ValueError(
                f"{entry.action!r} is not an audit action; the actions are "
                f"{', '.join(AUDIT_ACTIONS)}"
            )
        with self.transaction():
            self._connection.execute(
                insert_statement("audit_log", AUDIT_FIELDS),
                tuple(getattr(entry, name) for name in AUDIT_FIELDS),
            )

    def audit_entries(self) -> list[AuditEntry]:
        rows = self._connection.execute(
            f"SELECT {select_list(AUDIT_FIELDS)} FROM audit_log ORDER BY id"
        )
        return [AuditEntry(*row) for row in rows]

    # --- plans given to profiles ----------------------------------------------------------
    def assign_plan(
        self,
        profile_code: str,
        title: str,
        steps: Sequence[PlanStep],
        planned_minutes: float | None,
        definition_json: str,
        source_text: str,
    ) -> int:
        if not steps:
            raise ValueError(f"plan {title!r} needs at least one level")
        now = utc_now()
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            cursor = self._connection.execute(
                "INSERT INTO session_plans (profile_id, title, steps_json, planned_minutes, "
                "created_at_utc, definition_json, source_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    profile_id,
                    title,
                    json.dumps([asdict(step) for step in steps]),
                    planned_minutes,
                    now,
                    definition_json,
                    source_text,
                ),
            )
            plan_id = int(cursor.lastrowid)
            self._connection.execute(
                "INSERT INTO profile_plans (profile_id, plan_id, assigned_at_utc) VALUES (?, ?, ?) "
                "ON CONFLICT (profile_id) DO UPDATE SET plan_id = excluded.plan_id, "
                "assigned_at_utc = excluded.assigned_at_utc",
                (profile_id, plan_id, now),
            )
        return plan_id

    def clear_plan(self, profile_code: str) -> bool:
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            cursor = self._connection.execute(
                "DELETE FROM profile_plans WHERE profile_id = ?", (profile_id,)
            )
            return cursor.rowcount == 1

    def assigned_plan(self, profile_code: str) -> AssignedPlan | None:
        row = self._connection.execute(
            _ASSIGNED_PLAN_SELECT + "WHERE p.code = ?", (profile_code,)
        ).fetchone()
        return None if row is None else AssignedPlan(*row)

    def assigned_plans(self) -> list[AssignedPlan]:
        rows = self._connection.execute(_ASSIGNED_PLAN_SELECT + "ORDER BY p.code")
        return [AssignedPlan(*row) for row in rows]
