"""What a clinic files beside the recordings: therapists, minutes per billing code,
signatures, goals, chart fields and a profile's default codes (engine/store/chart_records.py),
on SQLite and PostgreSQL alike. Their tables are made by revision 11
(engine/store/migrations/versions/r0011_clinic_chart.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update

from engine.store.chart_records import (
    GOAL_CLOSE_REASONS,
    ChartFields,
    CodeMinutes,
    CodeShare,
    GoalRecord,
    SessionMinutes,
    Therapist,
)
from engine.store.chart_records import Signature as SignatureRecord
from engine.store.records import field_names
from engine.store.sql import tables as t
from engine.store.sql.connected import Connected, edit_time_utc, new_key, upsert, utc_now

_th, _sm, _sg, _g, _cf, _dc, _p = (
    t.therapists,
    t.session_minutes,
    t.signatures,
    t.goals,
    t.chart_fields,
    t.default_codes,
    t.profiles,
)

_THERAPIST_SELECT = select(
    _th.c.id,
    _th.c.name,
    _th.c.credentials,
    _th.c.npi,
    _th.c.discipline,
    _th.c.added_at_utc,
    _th.c.retired_at_utc,
    _th.c.pin_hash.is_not(None),
)
# In the order of GoalRecord's fields: after the two below, they are the table's columns.
_GOAL_SELECT = select(
    _g.c.id,
    _p.c.code,
    *(_g.c[name] for name in field_names(GoalRecord)[2:]),
).select_from(_g.join(_p, _p.c.id == _g.c.profile_id))
_SIGNATURE_SELECT = select(
    _sg.c.id, _sg.c.session_id, _sg.c.therapist_id, _sg.c.signed_at_utc, _sg.c.signed_json
)


def _therapist(row: Sequence) -> Therapist:
    return Therapist(*row[:7], has_pin=bool(row[7]))


def _goal(row: Sequence) -> GoalRecord:
    values = dict(zip(field_names(GoalRecord), row, strict=True))
    values["limbs"] = tuple(values["limbs"].split()) if values["limbs"] else ()
    return GoalRecord(**values)


class ChartTables(Connected):
    # --- therapists -----------------------------------------------------------------------
    def add_therapist(
        self, name: str, credentials: str, npi: str | None = None, discipline: str | None = None
    ) -> Therapist:
        if not name.strip() or not credentials.strip():
            raise ValueError("a therapist needs a name and credentials")
        with self.transaction():
            therapist_id = self._run(
                insert(_th)
                .values(
                    name=name,
                    credentials=credentials,
                    npi=npi,
                    discipline=discipline,
                    added_at_utc=utc_now(),
                    uuid=new_key(),
                )
                .returning(_th.c.id)
            ).scalar_one()
        return self.therapist(int(therapist_id))

    def therapists(self, include_retired: bool = True) -> list[Therapist]:
        query = _THERAPIST_SELECT
        if not include_retired:
            query = query.where(_th.c.retired_at_utc.is_(None))
        return [_therapist(row) for row in self._run(query.order_by(_th.c.id))]

    def therapist(self, therapist_id: int) -> Therapist:
        row = self._run(_THERAPIST_SELECT.where(_th.c.id == therapist_id)).first()
        if row is None:
            raise LookupError(f"{self.path}: there is no therapist {therapist_id}")
        return _therapist(row)

    def retire_therapist(self, therapist_id: int, retired_at_utc: str | None = None) -> None:
        with self.transaction():
            if self.therapist(therapist_id).retired_at_utc is not None:
                raise ValueError(f"therapist {therapist_id} is retired already")
            self._run(
                update(_th)
                .where(_th.c.id == therapist_id)
                .values(retired_at_utc=retired_at_utc or utc_now())
            )

    def set_therapist_pin_hash(self, therapist_id: int, pin_hash: str | None) -> None:
        with self.transaction():
            self.therapist(therapist_id)
            self._run(
                update(_th)
                .where(_th.c.id == therapist_id)
                .values(pin_hash=pin_hash, pin_set_at_utc=edit_time_utc())
            )

    def therapist_pin_hash(self, therapist_id: int) -> str | None:
        self.therapist(therapist_id)
        return self._run(select(_th.c.pin_hash).where(_th.c.id == therapist_id)).scalar_one()

    # --- minutes per code and signatures --------------------------------------------------
    def set_session_minutes(
        self,
        session_id: int,
        lines: Sequence[CodeMinutes],
        therapist_id: int,
        active_seconds: float | None,
        assigned_at_utc: str | None = None,
    ) -> None:
        codes = [line.code for line in lines]
        if len(set(codes)) != len(codes):
            raise ValueError(f"session {session_id}: a code is given twice ({', '.join(codes)})")
        if any(line.minutes < 0 for line in lines):
            raise ValueError(f"session {session_id}: minutes must not be negative")
        at = assigned_at_utc or utc_now()
        with self.transaction():
            self.session(session_id)  # LookupError for an unknown session
            self.therapist(therapist_id)
            self._run(delete(_sm).where(_sm.c.session_id == session_id))
            if lines:
                self._run(
                    insert(_sm),
                    [
                        {
                            "session_id": session_id,
                            "code": line.code,
                            "minutes": line.minutes,
                            "position": position,
                            "therapist_id": therapist_id,
                            "assigned_at_utc": at,
                            "active_seconds": active_seconds,
                        }
                        for position, line in enumerate(lines)
                    ],
                )

    def session_minutes(self, session_id: int) -> SessionMinutes | None:
        rows = self._run(
            select(
                _sm.c.code,
                _sm.c.minutes,
                _sm.c.therapist_id,
                _sm.c.assigned_at_utc,
                _sm.c.active_seconds,
            )
            .where(_sm.c.session_id == session_id)
            .order_by(_sm.c.position)
        ).all()
        if not rows:
            return None
        lines = tuple(CodeMinutes(code, minutes) for code, minutes, *_ in rows)
        return SessionMinutes(session_id, lines, *rows[0][2:])

    def add_signature(
        self,
        session_id: int,
        therapist_id: int,
        signed_json: str,
        signed_at_utc: str | None = None,
    ) -> SignatureRecord:
        at = signed_at_utc or utc_now()
        with self.transaction():
            self.session(session_id)
            if self.therapist(therapist_id).retired_at_utc is not None:
                raise ValueError(f"therapist {therapist_id} is retired and signs no more")
            signature_id = self._run(
                insert(_sg)
                .values(
                    session_id=session_id,
                    therapist_id=therapist_id,
                    signed_at_utc=at,
                    signed_json=signed_json,
                    uuid=new_key(),
                )
                .returning(_sg.c.id)
            ).scalar_one()
        return SignatureRecord(int(signature_id), session_id, therapist_id, at, signed_json)

    def signatures(self, session_id: int) -> list[SignatureRecord]:
        rows = self._run(_SIGNATURE_SELECT.where(_sg.c.session_id == session_id).order_by(_sg.c.id))
        return [SignatureRecord(*row) for row in rows]

    # --- goals ----------------------------------------------------------------------------
    def add_goal(self, goal: GoalRecord) -> GoalRecord:
        if not goal.text.strip():
            raise ValueError("a goal needs the therapist's words")
        with self.transaction():
            profile_id = self._profile_id_of_code(goal.profile_code)
            if goal.therapist_id is not None:
                self.therapist(goal.therapist_id)
            goal_id = self._run(
                insert(_g)
                .values(
                    profile_id=profile_id,
                    text=goal.text,
                    metric=goal.metric,
                    comparison=goal.comparison,
                    target_value=goal.target_value,
                    limbs=" ".join(goal.limbs),
                    task_name=goal.task_name,
                    by_date=goal.by_date,
                    baseline_from=goal.baseline_from,
                    therapist_id=goal.therapist_id,
                    created_at_utc=goal.created_at_utc or utc_now(),
                    uuid=new_key(),
                )
                .returning(_g.c.id)
            ).scalar_one()
        return self.goal(int(goal_id))

    def goal(self, goal_id: int) -> GoalRecord:
        row = self._run(_GOAL_SELECT.where(_g.c.id == goal_id)).first()
        if row is None:
            raise LookupError(f"{self.path}: there is no goal {goal_id}")
        return _goal(row)

    def goals(self, profile_code: str, include_closed: bool = True) -> list[GoalRecord]:
        query = _GOAL_SELECT.where(_p.c.code == profile_code)
        if not include_closed:
            query = query.where(_g.c.closed_at_utc.is_(None))
        return [_goal(row) for row in self._run(query.order_by(_g.c.id))]

    def close_goal(self, goal_id: int, reason: str, closed_at_utc: str | None = None) -> None:
        if reason not in GOAL_CLOSE_REASONS:
            raise ValueError(f"{reason!r}: a goal closes as {', '.join(GOAL_CLOSE_REASONS)}")
        with self.transaction():
            if not self.goal(goal_id).open:
                raise ValueError(f"goal {goal_id} is closed already")
            self._run(
                update(_g)
                .where(_g.c.id == goal_id)
                .values(closed_at_utc=closed_at_utc or utc_now(), closed_reason=reason)
            )

    # --- chart fields and default codes ---------------------------------------------------
    def set_chart_fields(
        self,
        profile_code: str,
        mrn: str | None,
        date_of_birth: str | None,
        diagnosis_codes: Sequence[str],
    ) -> None:
        if any(not code or " " in code for code in diagnosis_codes):
            raise ValueError("a diagnosis code is one word without spaces")
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            statement = upsert(self._dialect_name, _cf).values(
                profile_id=profile_id,
                mrn=mrn,
                date_of_birth=date_of_birth,
                diagnosis_codes=" ".join(diagnosis_codes),
                updated_at_utc=edit_time_utc(),
            )
            self._run(
                statement.on_conflict_do_update(
                    index_elements=["profile_id"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("mrn", "date_of_birth", "diagnosis_codes", "updated_at_utc")
                    },
                )
            )

    def chart_fields(self, profile_code: str) -> ChartFields | None:
        profile_id = self._profile_id_of_code(profile_code)
        row = self._run(
            select(
                _cf.c.mrn, _cf.c.date_of_birth, _cf.c.diagnosis_codes, _cf.c.updated_at_utc
            ).where(_cf.c.profile_id == profile_id)
        ).first()
        if row is None:
            return None
        mrn, born, codes, updated = row
        return ChartFields(profile_code, mrn, born, tuple(codes.split()), updated)

    def set_default_codes(self, profile_code: str, shares: Sequence[CodeShare]) -> None:
        if shares and sum(share.percent for share in shares) != 100:
            raise ValueError("the shares of a profile's default codes must add up to 100 %")
        at = edit_time_utc()
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            self._run(delete(_dc).where(_dc.c.profile_id == profile_id))
            if shares:
                self._run(
                    insert(_dc),
                    [
                        {
                            "profile_id": profile_id,
                            "code": share.code,
                            "percent": share.percent,
                            "position": position,
                            "set_at_utc": at,
                        }
                        for position, share in enumerate(shares)
                    ],
                )

    def default_codes(self, profile_code: str) -> list[CodeShare]:
        profile_id = self._profile_id_of_code(profile_code)
        rows = self._run(
            select(_dc.c.code, _dc.c.percent)
            .where(_dc.c.profile_id == profile_id)
            .order_by(_dc.c.position)
        )
        return [CodeShare(*row) for row in rows]
