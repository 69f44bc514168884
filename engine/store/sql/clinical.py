"""What therapists and the program keep beside the recordings: notes, session plans, each
child's place on adaptive levels, and the progress sums derived from the taps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict

import numpy as np
from sqlalchemy import bindparam, delete, insert, or_, select, update

from engine.store.columns import LIMB_STAT_COUNTS, LIMB_STAT_SUMS, LimbStatColumns
from engine.store.records import (
    SESSION_RUNNING,
    AdaptivePosition,
    Note,
    PlanStep,
    SessionPlan,
)
from engine.store.sql import tables as t
from engine.store.sql.connected import Connected, new_key, upsert, utc_now

_LIMB_STAT_NAMES = ("session_id", "task_index", "limb", *LIMB_STAT_COUNTS, *LIMB_STAT_SUMS)
_FORGET_LIMB_STATS = delete(t.task_limb_stats).where(
    t.task_limb_stats.c.session_id == bindparam("session_id")
)
_STAMP_LIMB_STATS = (
    update(t.sessions)
    .where(t.sessions.c.id == bindparam("session_id"))
    .values(limb_stats_version=bindparam("version"))
)
_p, _s, _n, _sp = t.profiles, t.sessions, t.notes, t.session_plans


class ClinicalTables(Connected):
    # --- notes ----------------------------------------------------------------------------
    def add_note(
        self,
        body: str,
        author: str,
        session_id: int | None = None,
        profile_code: str | None = None,
        written_at_utc: str | None = None,
    ) -> Note:
        if not body.strip():
            raise ValueError("a note needs some text")
        if (session_id is None) == (profile_code is None):
            raise ValueError("a note is about a session or a profile: give exactly one")
        written_at_utc = written_at_utc or utc_now()
        with self.transaction():
            if session_id is not None:
                row = self._run(
                    select(_s.c.profile_id, _p.c.code)
                    .select_from(_s.join(_p, _p.c.id == _s.c.profile_id))
                    .where(_s.c.id == session_id)
                ).first()
                missing = f"there is no session {session_id}"
            else:
                row = self._run(select(_p.c.id, _p.c.code).where(_p.c.code == profile_code)).first()
                missing = f"there is no profile {profile_code}"
            if row is None:
                raise LookupError(f"{self.path}: {missing} to write a note about")
            note_id = self._run(
                insert(_n)
                .values(
                    profile_id=row[0],
                    session_id=session_id,
                    written_at_utc=written_at_utc,
                    author=author,
                    body=body,
                    uuid=new_key(),
                )
                .returning(_n.c.id)
            ).scalar_one()
        return Note(int(note_id), row[1], session_id, written_at_utc, author, body)

    def notes(self, session_id: int | None = None, profile_code: str | None = None) -> list[Note]:
        if (session_id is None) == (profile_code is None):
            raise ValueError("give exactly one of session_id and profile_code")
        query = select(
            _n.c.id, _p.c.code, _n.c.session_id, _n.c.written_at_utc, _n.c.author, _n.c.body
        ).select_from(_n.join(_p, _p.c.id == _n.c.profile_id))
        if session_id is not None:
            query = query.where(_n.c.session_id == session_id)
        else:
            query = query.where(_p.c.code == profile_code)
        return [Note(*row) for row in self._run(query.order_by(_n.c.written_at_utc, _n.c.id))]

    # --- session plans --------------------------------------------------------------------
    def add_session_plan(
        self,
        title: str,
        steps: Sequence[PlanStep],
        planned_minutes: float | None = None,
        profile_code: str | None = None,
    ) -> int:
        if not steps:
            raise ValueError(f"plan {title!r} needs at least one level")
        with self.transaction():
            profile_id = None
            if profile_code is not None:
                profile_id = self._profile_id_of_code(profile_code)
            plan_id = self._run(
                insert(_sp)
                .values(
                    profile_id=profile_id,
                    title=title,
                    steps_json=json.dumps([asdict(step) for step in steps]),
                    planned_minutes=planned_minutes,
                    created_at_utc=utc_now(),
                    uuid=new_key(),
                )
                .returning(_sp.c.id)
            ).scalar_one()
            return int(plan_id)

    def session_plans(self, profile_code: str | None = None) -> list[SessionPlan]:
        rows = self._run(
            select(
                _sp.c.id,
                _p.c.code,
                _sp.c.title,
                _sp.c.steps_json,
                _sp.c.planned_minutes,
                _sp.c.created_at_utc,
            )
            .select_from(_sp.outerjoin(_p, _p.c.id == _sp.c.profile_id))
            .where(or_(_sp.c.profile_id.is_(None), _p.c.code == profile_code))
            .order_by(_sp.c.id)
        )
        return [
            SessionPlan(
                plan_id=row[0],
                profile_code=row[1],
                title=row[2],
                steps=tuple(PlanStep(**step) for step in json.loads(row[3])),
                planned_minutes=row[4],
                created_at_utc=row[5],
            )
            for row in rows
        ]

    # --- adaptive positions ---------------------------------------------------------------
    def save_adaptive_position(
        self,
        profile_code: str,
        level_id: str,
        position: float,
        updated_at_utc: str | None = None,
        tempo_bpm: float | None = None,
    ) -> None:
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            statement = upsert(self._dialect_name, t.adaptive_positions).values(
                profile_id=profile_id,
                level_id=level_id,
                position=float(position),
                updated_at_utc=updated_at_utc or utc_now(),
                tempo_bpm=None if tempo_bpm is None else float(tempo_bpm),
            )
            self._run(
                statement.on_conflict_do_update(
                    index_elements=["profile_id", "level_id"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("position", "updated_at_utc", "tempo_bpm")
                    },
                )
            )

    def adaptive_position(self, profile_code: str, level_id: str) -> AdaptivePosition | None:
        a = t.adaptive_positions
        row = self._run(
            select(a.c.position, a.c.updated_at_utc, a.c.tempo_bpm)
            .select_from(a.join(_p, _p.c.id == a.c.profile_id))
            .where(_p.c.code == profile_code, a.c.level_id == level_id)
        ).first()
        if row is None:
            return None
        return AdaptivePosition(profile_code, level_id, float(row[0]), row[1], row[2])

    # --- derived progress sums ------------------------------------------------------------
    def sessions_lacking_limb_stats(self, metrics_version: int) -> list[int]:
        version = _s.c.limb_stats_version
        rows = self._run(
            select(_s.c.id)
            .where(
                _s.c.status != SESSION_RUNNING,
                or_(version.is_(None), version != metrics_version),
            )
            .order_by(_s.c.id)
        )
        return [int(row[0]) for row in rows]

    def replace_limb_stats(
        self, session_ids: Iterable[int], stats: LimbStatColumns, metrics_version: int
    ) -> None:
        session_ids = [int(session_id) for session_id in session_ids]
        with self.transaction():
            if session_ids:
                self._run(_FORGET_LIMB_STATS, [{"session_id": i} for i in session_ids])
            self._insert_many(
                t.task_limb_stats,
                _LIMB_STAT_NAMES,
                zip(
                    stats.session_id.tolist(),
                    stats.task_index.tolist(),
                    stats.limb.tolist(),
                    *stats.counts.T.tolist(),
                    *stats.sums.T.tolist(),
                    strict=True,
                ),
            )
            if session_ids:
                self._run(
                    _STAMP_LIMB_STATS,
                    [{"session_id": i, "version": metrics_version} for i in session_ids],
                )

    def mark_limb_stats_stale(self, session_ids: Iterable[int]) -> None:
        session_ids = [int(session_id) for session_id in session_ids]
        if not session_ids:
            return
        with self.transaction():
            self._run(_STAMP_LIMB_STATS, [{"session_id": i, "version": None} for i in session_ids])

    def limb_stats(self, profile_code: str | None = None) -> LimbStatColumns:
        x = t.task_limb_stats
        query = select(*(x.c[name] for name in _LIMB_STAT_NAMES))
        if profile_code is not None:
            query = query.select_from(
                x.join(_s, _s.c.id == x.c.session_id).join(_p, _p.c.id == _s.c.profile_id)
            ).where(_p.c.code == profile_code)
        rows = self._fetch_rows(query.order_by(x.c.session_id, x.c.task_index))
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(_LIMB_STAT_NAMES)
        first_sum = 3 + len(LIMB_STAT_COUNTS)
        return LimbStatColumns(
            session_id=np.array(columns[0], dtype=np.int64),
            task_index=np.array(columns[1], dtype=np.int64),
            limb=np.array(columns[2], dtype=object),
            counts=np.array(columns[3:first_sum], dtype=np.int64)
            .reshape(len(LIMB_STAT_COUNTS), -1)
            .T,
            sums=np.array(columns[first_sum:], dtype=np.float64).reshape(len(LIMB_STAT_SUMS), -1).T,
        )
