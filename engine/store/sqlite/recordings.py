"""What a session produced, in SQLite: tasks, beats, taps and the difficulty controller's
steps. Their tables' columns are the records' fields (engine/store/records.py), so every
statement here is built from those."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter

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
from engine.store.sqlite.connected import Connected, insert_statement, select_list


def _upsert_statement(table: str, names: tuple[str, ...], key: tuple[str, ...]) -> str:
    """INSERT that replaces the row with the same ``key`` (a record sent again)."""
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name not in key)
    return (
        f"{insert_statement(table, names)} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


# A task sent again after a tempo change, and a target laid out anew (after a pause or a tempo
# change), replace their rows.
_UPSERT_TASK = _upsert_statement("tasks", TASK_FIELDS, ("session_id", "task_index"))
_INSERT_BEAT = insert_statement("beats", BEAT_FIELDS)
_UPSERT_BEAT = _upsert_statement("beats", BEAT_FIELDS, ("session_id", "task_index", "beat_index"))
_INSERT_TAP = insert_statement("taps", TAP_FIELDS)
_INSERT_ADAPTATION_STEP = insert_statement("adaptation_steps", ADAPTATION_STEP_FIELDS)

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


class RecordingTables(Connected):
    # --- writing --------------------------------------------------------------------------
    def add_task(self, task: TaskRecord) -> None:
        with self.transaction():
            self._connection.execute(_UPSERT_TASK, _task_values(task))

    def add_beats(self, beats: Sequence[BeatRecord]) -> None:
        with self.transaction():
            self._connection.executemany(_UPSERT_BEAT, map(_beat_values, beats))

    def add_taps(self, taps: Sequence[TapRecord]) -> None:
        for tap in taps:
            _check_judgement(tap.judgement, tap.session_id, tap.task_index, tap.tap_index)
        with self.transaction():
            self._connection.executemany(_INSERT_TAP, map(_tap_values, taps))

    def add_beat_columns(self, session_id: int, beats: BeatColumns) -> None:
        with self.transaction():
            self._connection.executemany(_INSERT_BEAT, beats.record_values(session_id))

    def add_tap_columns(self, session_id: int, taps: TapColumns) -> None:
        for judgement in set(taps.judgement.tolist()):
            _check_judgement(judgement, session_id, None, None)
        with self.transaction():
            self._connection.executemany(_INSERT_TAP, taps.record_values(session_id))

    def add_adaptation_steps(self, steps: Sequence[AdaptationStep]) -> None:
        with self.transaction():
            self._connection.executemany(
                _INSERT_ADAPTATION_STEP, map(_adaptation_step_values, steps)
            )

    # --- reading --------------------------------------------------------------------------
    def count_taps(self, session_id: int | None = None) -> int:
        if session_id is None:
            (count,) = self._connection.execute("SELECT COUNT(*) FROM taps").fetchone()
        else:
            (count,) = self._connection.execute(
                "SELECT COUNT(*) FROM taps WHERE session_id = ?", (session_id,)
            ).fetchone()
        return int(count)

    def iter_taps(self, session_id: int | None = None) -> Iterator[TapWithSession]:
        query = (
            f"SELECT {select_list(TAP_FIELDS, 't')}, p.code, s.level_id, s.started_at_utc "
            "FROM taps AS t "
            "JOIN sessions AS s ON s.id = t.session_id "
            "JOIN profiles AS p ON p.id = s.profile_id "
        )
        if session_id is None:
            rows = self._connection.execute(
                query + "ORDER BY t.session_id, t.task_index, t.tap_index"
            )
        else:
            rows = self._connection.execute(
                query + "WHERE t.session_id = ? ORDER BY t.task_index, t.tap_index",
                (session_id,),
            )
        tap_width = len(TAP_FIELDS)
        for row in rows:
            yield TapWithSession(TapRecord(*row[:tap_width]), *row[tap_width:])

    def iter_beats(self, session_id: int | None = None) -> Iterator[BeatOnClock]:
        query = (
            f"SELECT {select_list(BEAT_FIELDS, 'b')}, b.target_frame * 1.0 / s.sample_rate_hz "
            "FROM beats AS b JOIN sessions AS s ON s.id = b.session_id "
        )
        if session_id is None:
            rows = self._connection.execute(
                query + "ORDER BY b.session_id, b.task_index, b.beat_index"
            )
        else:
            rows = self._connection.execute(
                query + "WHERE b.session_id = ? ORDER BY b.task_index, b.beat_index",
                (session_id,),
            )
        width = len(BEAT_FIELDS)
        for row in rows:
            yield BeatOnClock(BeatRecord(*row[:width]), row[width])

    def count_beats(self, session_id: int | None = None) -> int:
        if session_id is None:
            (count,) = self._connection.execute("SELECT COUNT(*) FROM beats").fetchone()
        else:
            (count,) = self._connection.execute(
                "SELECT COUNT(*) FROM beats WHERE session_id = ?", (session_id,)
            ).fetchone()
        return int(count)

    def iter_tasks(self, session_id: int | None = None) -> Iterator[TaskRecord]:
        query = f"SELECT {select_list(TASK_FIELDS)} FROM tasks "
        if session_id is None:
            rows = self._connection.execute(query + "ORDER BY session_id, task_index")
        else:
            rows = self._connection.execute(
                query + "WHERE session_id = ? ORDER BY task_index", (session_id,)
            )
        for row in rows:
            yield TaskRecord(**dict(zip(TASK_FIELDS, row, strict=True)))

    def beat_columns(self, session_id: int) -> BeatColumns:
        rows = self._connection.execute(
            f"SELECT {select_list(BeatColumns.names)} FROM beats "
            "WHERE session_id = ? ORDER BY task_index, beat_index",
            (session_id,),
        ).fetchall()
        return BeatColumns.from_rows(rows)

    def tap_columns(self, session_id: int) -> TapColumns:
        rows = self._connection.execute(
            f"SELECT {select_list(TapColumns.names)} FROM taps "
            "WHERE session_id = ? ORDER BY task_index, tap_index",
            (session_id,),
        ).fetchall()
        return TapColumns.from_rows(rows)

    def migration_notes(self, session_id: int) -> list[MigrationNote]:
        rows = self._connection.execute(
            "SELECT session_id, task_index, note FROM migration_notes WHERE session_id = ? "
            "ORDER BY task_index IS NOT NULL, task_index, rowid",
            (session_id,),
        )
        return [MigrationNote(*row) for row in rows]

    def adaptation_steps(self, session_id: int) -> list[AdaptationStep]:
        rows = self._connection.execute(
            f"SELECT {select_list(ADAPTATION_STEP_FIELDS)} FROM adaptation_steps "
            "WHERE session_id = ? ORDER BY task_index, step_index",
            (session_id,),
        )
        return [AdaptationStep(*row) for row in rows]
