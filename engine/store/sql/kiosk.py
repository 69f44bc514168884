"""What a kiosk station keeps: its settings (the therapist PIN's hash among them), the
append-only audit log, and the plan each profile plays."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from engine.store.records import (
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    AssignedPlan,
    AuditEntry,
    PlanStep,
)
from engine.store.sql import tables as t
from engine.store.sql.connected import Connected, new_key, upsert, utc_now

_p, _sp, _pp = t.profiles, t.session_plans, t.profile_plans
_ASSIGNED_PLAN_SELECT = select(
    _sp.c.id,
    _p.c.code,
    _sp.c.title,
    _sp.c.definition_json,
    _sp.c.source_text,
    _pp.c.assigned_at_utc,
).select_from(_pp.join(_p, _p.c.id == _pp.c.profile_id).join(_sp, _sp.c.id == _pp.c.plan_id))


class KioskTables(Connected):
    # --- station settings -----------------------------------------------------------------
    def set_station_setting(self, name: str, value: str) -> None:
        if not name.strip():
            raise ValueError("a station setting needs a name")
        statement = upsert(self._dialect_name, t.station_settings).values(
            name=name, value=value, updated_at_utc=utc_now()
        )
        with self.transaction():
            self._run(
                statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={
                        "value": statement.excluded.value,
                        "updated_at_utc": statement.excluded.updated_at_utc,
                    },
                )
            )

    def station_setting(self, name: str) -> str | None:
        settings = t.station_settings
        value = self._run(
            select(settings.c.value).where(settings.c.name == name)
        ).scalar_one_or_none()
        return None if value is None else str(value)

    # --- the audit log --------------------------------------------------------------------
    def add_audit_entry(self, entry: AuditEntry) -> None:
        if entry.action not in AUDIT_ACTIONS:
            raise ValueError(
                f"{entry.action!r} is not an audit action; the actions are "
                f"{', '.join(AUDIT_ACTIONS)}"
            )
        with self.transaction():
            self._run(
                insert(t.audit_log).values(
                    {**{name: getattr(entry, name) for name in AUDIT_FIELDS}, "uuid": new_key()}
                )
            )

    def audit_entries(self) -> list[AuditEntry]:
        log = t.audit_log
        rows = self._run(select(*(log.c[name] for name in AUDIT_FIELDS)).order_by(log.c.id))
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
        # To the microsecond: when two stations give one profile a plan, the later one wins
        # at the clinic's server (engine/store/clinic/sync.py).
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            plan_id = self._run(
                insert(_sp)
                .values(
                    profile_id=profile_id,
                    title=title,
                    steps_json=json.dumps([asdict(step) for step in steps]),
                    planned_minutes=planned_minutes,
                    created_at_utc=now,
                    definition_json=definition_json,
                    source_text=source_text,
                    uuid=new_key(),
                )
                .returning(_sp.c.id)
            ).scalar_one()
            statement = upsert(self._dialect_name, _pp).values(
                profile_id=profile_id, plan_id=plan_id, assigned_at_utc=now
            )
            self._run(
                statement.on_conflict_do_update(
                    index_elements=["profile_id"],
                    set_={
                        "plan_id": statement.excluded.plan_id,
                        "assigned_at_utc": statement.excluded.assigned_at_utc,
                    },
                )
            )
        return int(plan_id)

    def clear_plan(self, profile_code: str) -> bool:
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            result = self._run(delete(_pp).where(_pp.c.profile_id == profile_id))
            return result.rowcount == 1

    def assigned_plan(self, profile_code: str) -> AssignedPlan | None:
        row = self._run(_ASSIGNED_PLAN_SELECT.where(_p.c.code == profile_code)).first()
        return None if row is None else AssignedPlan(*row)

    def assigned_plans(self) -> list[AssignedPlan]:
        rows = self._run(_ASSIGNED_PLAN_SELECT.order_by(_p.c.code))
        return [AssignedPlan(*row) for row in rows]

    def plan_definition(self, plan_id: int) -> str | None:
        query = select(_sp.c.definition_json).where(_sp.c.id == plan_id)
        row = self._run(query).first()
        return None if row is None else row[0]
