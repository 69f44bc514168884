"""What a session produced: tasks, beats, taps and the difficulty controller's steps. Their
tables' columns are the records' fields (engine/store/records.py), so every statement here is
built from those."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, func, select

from engine.store.columns import BeatColumns, TapColumns
from engine.store.records import (
    ADAPTATION_STEP_FIELDS,
    BEAT_FIELDS,
    JUDGEMENTS,
    TAP_FIELDS,
    TASK_FIELDS,
    AdaptationStep,
    BeatOnClock,
    BeatRecord,
    MigrationNote,
    TapRecord,
    TapWithSession,
    TaskRecord,
)
from engine.store.sql import tables as t
from engine.store.sql.connected import Connected, upsert

_task_values = attrgetter(*TASK_FIELDS)
_beat_values = attrgetter(*BEAT_FIELDS)
_tap_values = attrgetter(*TAP_FIELDS)
_adaptation_step_values = attrgetter(*ADAPTATION_STEP_FIELDS)


def _check_judgement(
    judgement: str, session_id: int, task_index: int | None, tap_index: int | None
) -> None:
    if judgement not in JUDGEMENTS:
        where = f"session {session_id}"
        if task_index is not None:
            where = f"tap {tap_index} of session {session_id} task {task_index}"
        raise ValueError(f"{where}: judgement {judgement!r} is not one of {', '.join(JUDGEMENTS)}")


def _columns(table: t.Table, names: Sequence[str]) -> list[Any]:
    return [table.c[name] for name in names]


_ALL_TASKS = select(*_columns(t.tasks, TASK_FIELDS)).order_by(
    t.tasks.c.session_id, t.tasks.c.task_index
)
_TASKS_OF_SESSION = (
    select(*_columns(t.tasks, TASK_FIELDS))
    .where(t.tasks.c.session_id == bindparam("session_id"))
    .order_by(t.tasks.c.task_index)
)


# What metrics read of a session, once a session: built once for each set of columns (so
# that its SQL text is made once a connection, Connected._fetch_rows), run with its id.
@functools.cache
def _beat_columns(names: tuple[str, ...]) -> Any:
    return (
        select(*_columns(t.beats, names))
        .where(t.beats.c.session_id == bindparam("session_id"))
        .order_by(t.beats.c.task_index, t.beats.c.beat_index)
    )


@functools.cache
def _tap_columns(names: tuple[str, ...]) -> Any:
    return (
        select(*_columns(t.taps, names))
        .where(t.taps.c.session_id == bindparam("session_id"))
        .order_by(t.taps.c.task_index, t.taps.c.tap_index)
    )


@functools.cache
def _replacing(dialect_name: str, table: t.Table, names: tuple[str, ...]) -> Any:
    """INSERT of ``names`` that replaces the row with the same key (a record sent again)."""
    statement = upsert(dialect_name, table)
    key = [column.name for column in table.primary_key]
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={name: statement.excluded[name] for name in names if name not in key},
    )


class RecordingTables(Connected):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A task sent again after a tempo change, and a target laid out anew (after a pause or
        # a tempo change), replace their rows.
        self._upsert_task = _replacing(self._dialect_name, t.tasks, TASK_FIELDS)
        self._upsert_beat = _replacing(self._dialect_name, t.beats, BEAT_FIELDS)

    # --- writing --------------------------------------------------------------------------
    def add_task(self, task: TaskRecord) -> None:
        with self.transaction():
            self._execute_many(self._upsert_task, TASK_FIELDS, [_task_values(task)])

    def add_beats(self, beats: Sequence[BeatRecord]) -> None:
        with self.transaction():
            self._execute_many(self._upsert_beat, BEAT_FIELDS, map(_beat_values, beats))

    def add_taps(self, taps: Sequence[TapRecord]) -> None:
        for tap in taps:
            _check_judgement(tap.judgement, tap.session_id, tap.task_index, tap.tap_index)
        with self.transaction():
            self._insert_many(t.taps, TAP_FIELDS, map(_tap_values, taps))

    def add_beat_columns(self, session_id: int, beats: BeatColumns) -> None:
        with self.transaction():
            self._insert_many(t.beats, BEAT_FIELDS, beats.record_values(session_id))

    def add_tap_columns(self, session_id: int, taps: TapColumns) -> None:
        for judgement in set(taps.judgement.tolist()):
            _check_judgement(judgement, session_id, None, None)
        with self.transaction():
            self._insert_many(t.taps, TAP_FIELDS, taps.record_values(session_id))

    def add_adaptation_steps(self, steps: Sequence[AdaptationStep]) -> None:
        with self.transaction():
            self._insert_many(
                t.adaptation_steps,
                ADAPTATION_STEP_FIELDS,
                map(_adaptation_step_values, steps),
            )

    # --- reading --------------------------------------------------------------------------
    def _count(self, table: t.Table, session_id: int | None) -> int:
        query = select(func.count()).select_from(table)
        if session_id is not None:
            query = query.where(table.c.session_id == session_id)
        return int(self._run(query).scalar_one())

    def count_taps(self, session_id: int | None = None) -> int:
        return self._count(t.taps, session_id)

    def count_beats(self, session_id: int | None = None) -> int:
        return self._count(t.beats, session_id)

    def iter_taps(self, session_id: int | None = None) -> Iterator[TapWithSession]:
        taps, s, p = t.taps, t.sessions, t.profiles
        query = select(
            *_columns(taps, TAP_FIELDS),
            p.c.code,
            s.c.level_id,
            s.c.started_at_utc,
            s.c.station,
            s.c.uuid,
        ).select_from(taps.join(s, s.c.id == taps.c.session_id).join(p, p.c.id == s.c.profile_id))
        if session_id is None:
            query = query.order_by(taps.c.session_id, taps.c.task_index, taps.c.tap_index)
        else:
            query = query.where(taps.c.session_id == session_id).order_by(
                taps.c.task_index, taps.c.tap_index
            )
        tap_width = len(TAP_FIELDS)
        for row in self._run(query):
            yield TapWithSession(TapRecord(*row[:tap_width]), *row[tap_width:])

    def iter_beats(self, session_id: int | None = None) -> Iterator[BeatOnClock]:
        beats, s = t.beats, t.sessions
        query = select(
            *_columns(beats, BEAT_FIELDS), beats.c.target_frame * 1.0 / s.c.sample_rate_hz
        ).select_from(beats.join(s, s.c.id == beats.c.session_id))
        if session_id is None:
            query = query.order_by(beats.c.session_id, beats.c.task_index, beats.c.beat_index)
        else:
            query = query.where(beats.c.session_id == session_id).order_by(
                beats.c.task_index, beats.c.beat_index
            )
        width = len(BEAT_FIELDS)
        for row in self._run(query):
            yield BeatOnClock(BeatRecord(*row[:width]), float(row[width]))

    def iter_tasks(self, session_id: int | None = None) -> Iterator[TaskRecord]:
        if session_id is None:
            rows = self._run(_ALL_TASKS)
        else:  # once a session in a progress pass: the driver's rows, SQL text made once
            rows = self._fetch_rows(_TASKS_OF_SESSION, {"session_id": session_id})
        for row in rows:
            yield TaskRecord(**dict(zip(TASK_FIELDS, row, strict=True)))

    def beat_columns(self, session_id: int, names: Sequence[str] | None = None) -> BeatColumns:
        names = BeatColumns.column_names(names)
        rows = self._fetch_rows(_beat_columns(names), {"session_id": session_id})
        return BeatColumns.from_rows(rows, names)

    def tap_columns(self, session_id: int, names: Sequence[str] | None = None) -> TapColumns:
        names = TapColumns.column_names(names)
        rows = self._fetch_rows(_tap_columns(names), {"session_id": session_id})
        return TapColumns.from_rows(rows, names)

    def migration_notes(self, session_id: int) -> list[MigrationNote]:
        notes = t.migration_notes
        rows = self._run(
            select(notes.c.session_id, notes.c.task_index, notes.c.note)
            .where(notes.c.session_id == session_id)
            .order_by(notes.c.task_index.is_not(None), notes.c.task_index, self._insertion_order())
        )
        return [MigrationNote(*row) for row in rows]

    def adaptation_steps(self, session_id: int) -> list[AdaptationStep]:
        steps = t.adaptation_steps
        rows = self._run(
            select(*_columns(steps, ADAPTATION_STEP_FIELDS))
            .where(steps.c.session_id == session_id)
            .order_by(steps.c.task_index, steps.c.step_index)
        )
        return [AdaptationStep(*row) for row in rows]
