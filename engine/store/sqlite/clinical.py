"""What therapists and the program keep beside the recordings, in SQLite: notes, session
plans, each child's place on adaptive levels, and the progress sums derived from the taps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict

import numpy as np

from engine.store.columns import LIMB_STAT_COUNTS, LIMB_STAT_SUMS, LimbStatColumns
from engine.store.records import (
    SESSION_RUNNING,
    AdaptivePosition,
    Note,
    PlanStep,
    SessionPlan,
)
from engine.store.sqlite.connected import Connected, insert_statement, select_list, utc_now

_LIMB_STAT_NAMES = ("session_id", "task_index", "limb", *LIMB_STAT_COUNTS, *LIMB_STAT_SUMS)


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
                row = self._connection.execute(
                    "SELECT s.profile_id, p.code FROM sessions AS s "
                    "JOIN profiles AS p ON p.id = s.profile_id WHERE s.id = ?",
                    (session_id,),
                ).fetchone()
                missing = f"there is no session {session_id}"
            else:
                row = self._connection.execute(
                    "SELECT id, code FROM profiles WHERE code = ?", (profile_code,)
                ).fetchone()
                missing = f"there is no profile {profile_code}"
            if row is None:
                raise LookupError(f"{self.path}: {missing} to write a note about")
            cursor = self._connection.execute(
                "INSERT INTO notes (profile_id, session_id, written_at_utc, author, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (row[0], session_id, written_at_utc, author, body),
            )
        return Note(int(cursor.lastrowid), row[1], session_id, written_at_utc, author, body)

    def notes(self, session_id: int | None = None, profile_code: str | None = None) -> list[Note]:
        if (session_id is None) == (profile_code is None):
            raise ValueError("give exactly one of session_id and profile_code")
        query = (
            "SELECT n.id, p.code, n.session_id, n.written_at_utc, n.author, n.body "
            "FROM notes AS n JOIN profiles AS p ON p.id = n.profile_id "
        )
        if session_id is not None:
            rows = self._connection.execute(
                query + "WHERE n.session_id = ? ORDER BY n.written_at_utc, n.id", (session_id,)
            )
        else:
            rows = self._connection.execute(
                query + "WHERE p.code = ? ORDER BY n.written_at_utc, n.id", (profile_code,)
            )
        return [Note(*row) for row in rows]

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
            cursor = self._connection.execute(
                "INSERT INTO session_plans (profile_id, title, steps_json, planned_minutes, "
                "created_at_utc) VALUES (?, ?, ?, ?, ?)",
                (
                    profile_id,
                    title,
                    json.dumps([asdict(step) for step in steps]),
                    planned_minutes,
                    utc_now(),
                ),
            )
            return int(cursor.lastrowid)

    def session_plans(self, profile_code: str | None = None) -> list[SessionPlan]:
        rows = self._connection.execute(
            "SELECT sp.id, p.code, sp.title, sp.steps_json, sp.planned_minutes, "
            "sp.created_at_utc FROM session_plans AS sp "
            "LEFT JOIN profiles AS p ON p.id = sp.profile_id "
            "WHERE sp.profile_id IS NULL OR p.code = ? ORDER BY sp.id",
            (profile_code,),
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
            self._connection.execute(
                "INSERT INTO adaptive_positions "
                "(profile_id, level_id, position, updated_at_utc, tempo_bpm) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (profile_id, level_id) DO UPDATE SET "
                "position = excluded.position, updated_at_utc = excluded.updated_at_utc, "
                "tempo_bpm = excluded.tempo_bpm",
                (
                    profile_id,
                    level_id,
                    float(position),
                    updated_at_utc or utc_now(),
                    None if tempo_bpm is None else float(tempo_bpm),
                ),
            )

    def adaptive_position(self, profile_code: str, level_id: str) -> AdaptivePosition | None:
        row = self._connection.execute(
            "SELECT a.position, a.updated_at_utc, a.tempo_bpm FROM adaptive_positions AS a "
            "JOIN profiles AS p ON p.id = a.profile_id WHERE p.code = ? AND a.level_id = ?",
            (profile_code, level_id),
        ).fetchone()
        if row is None:
            return None
        return AdaptivePosition(profile_code, level_id, float(row[0]), row[1], row[2])

    # --- derived progress sums ------------------------------------------------------------
    def sessions_lacking_limb_stats(self, metrics_version: int) -> list[int]:
        rows = self._connection.execute(
            "SELECT id FROM sessions WHERE status != ? "
            "AND (limb_stats_version IS NULL OR limb_stats_version != ?) ORDER BY id",
            (SESSION_RUNNING, metrics_version),
        )
        return [int(row[0]) for row in rows]

    def replace_limb_stats(
        self, session_ids: Iterable[int], stats: LimbStatColumns, metrics_version: int
    ) -> None:
        session_ids = [(int(session_id),) for session_id in session_ids]
        with self.transaction():
            self._connection.executemany(
                "DELETE FROM task_limb_stats WHERE session_id = ?", session_ids
            )
            self._connection.executemany(
                insert_statement("task_limb_stats", _LIMB_STAT_NAMES),
                zip(
                    stats.session_id.tolist(),
                    stats.task_index.tolist(),
                    stats.limb.tolist(),
                    *stats.counts.T.tolist(),
                    *stats.sums.T.tolist(),
                    strict=True,
                ),
            )
            self._connection.executemany(
                "UPDATE sessions SET limb_stats_version = ? WHERE id = ?",
                [(metrics_version, session_id) for (session_id,) in session_ids],
            )

    def mark_limb_stats_stale(self, session_ids: Iterable[int]) -> None:
        with self.transaction():
            self._connection.executemany(
                "UPDATE sessions SET limb_stats_version = NULL WHERE id = ?",
                [(int(session_id),) for session_id in session_ids],
            )

    def limb_stats(self, profile_code: str | None = None) -> LimbStatColumns:
        query = f"SELECT {select_list(_LIMB_STAT_NAMES, 'x')} FROM task_limb_stats AS x "
        if profile_code is None:
            rows = self._connection.execute(
                query + "ORDER BY x.session_id, x.task_index"
            ).fetchall()
        else:
            rows = self._connection.execute(
                query + "JOIN sessions AS s ON s.id = x.session_id "
                "JOIN profiles AS p ON p.id = s.profile_id WHERE p.code = ? "
                "ORDER BY x.session_id, x.task_index",
                (profile_code,),
            ).fetchall()
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
