"""Migration 6's filling-in: what was in force for sessions recorded before OnBeat kept it.

An older OnBeat stored each task's tempo and windows in the task (the level's), every target's
frame, and each move of the difficulty controller (adaptation_steps: where it took effect, the
tempo and good window of the rung it moved to). From those this fills, per target, the tempo,
the interval between steps and the sro/good/ok windows, per paired tap the windows of its
target, and each task's end tempo, and says in migration_notes what it could not recover:

- Fixed levels (no adaptation steps): the task's tempo and the level's windows, exactly.
- Adaptive levels: the tempo of each target from the spacing of the targets (frames do not
  lie), matched to the tempi the session can have had (the task's and the steps'), so exact;
  a target with no spacing to measure (the last one, or the one before a pause) takes its
  neighbour's. The windows from the last step at or before the target, scaled as the rung
  scaled them; before the first step they were the starting rung's, which was not recorded:
  left empty unless no step changed the window (then the level's).
- Each paired tap's stored judgement is held to its asynchrony and the windows filled in; a
  note counts the taps where they disagree.

Like every migration this is history: it must keep doing exactly this, so it uses nothing of
OnBeat outside this package (not the tempo map, not the judge) and computes beat intervals and
window edges itself.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

MS_PER_MINUTE = 60_000.0


@dataclass(frozen=True)
class _Step:
    audio_frame: int
    tempo_bpm: float | None
    window_ms: float | None


def _task_shape(settings: dict) -> tuple[str, int] | None:
    task = settings.get("task")
    if not isinstance(task, dict):
        return None
    pattern, steps_per_beat = task.get("pattern", "x"), task.get("steps_per_beat", 1)
    if not isinstance(pattern, str) or "x" not in pattern or not isinstance(steps_per_beat, int):
        return None
    return pattern, steps_per_beat


def _level_windows(settings: dict) -> tuple[float, float, float] | None:
    windows = settings.get("windows")
    if not isinstance(windows, dict):
        return None
    try:
        return (float(windows["sro_ms"]), float(windows["good_ms"]), float(windows["ok_ms"]))
    except (KeyError, TypeError, ValueError):
        return None


def _target_steps(pattern: str, count: int) -> list[int]:
    """The step index of each of the first ``count`` targets of a repeated pattern."""
    per_pattern = [i for i, step in enumerate(pattern) if step == "x"]
    return [
        (k // len(per_pattern)) * len(pattern) + per_pattern[k % len(per_pattern)]
        for k in range(count)
    ]


def _tempi_of_spacing(
    frames: list[int],
    steps: list[int],
    steps_per_beat: int,
    candidates: list[float],
    sample_rate_hz: int,
) -> list[float | None]:
    """Per target, the candidate tempo whose step interval the spacing to the next target
    shows (to within the frame that rounding can add), or None."""
    tempi: list[float | None] = []
    for k in range(len(frames)):
        if k + 1 == len(frames):
            tempi.append(None)
            continue
        step_gap = steps[k + 1] - steps[k]
        measured = (frames[k + 1] - frames[k]) * steps_per_beat / step_gap
        slack = steps_per_beat / step_gap + 1.0
        best = min(candidates, key=lambda bpm: abs(sample_rate_hz * 60.0 / bpm - measured))
        close = abs(sample_rate_hz * 60.0 / best - measured) <= slack
        tempi.append(best if close else None)
    return tempi


def _filled(tempi: list[float | None], fallback: float) -> tuple[list[float], int]:
    """Gaps taken from the target before (or, at the start, after); and how many gaps there
    were that were not the last target."""
    known = [(k, bpm) for k, bpm in enumerate(tempi) if bpm is not None]
    gaps = sum(bpm is None for bpm in tempi[:-1])
    if not known:
        return [fallback] * len(tempi), gaps
    filled, previous = [], known[0][1]
    for bpm in tempi:
        previous = previous if bpm is None else bpm
        filled.append(previous)
    return filled, gaps


def _windows_at(level: tuple[float, float, float], good_ms: float) -> tuple[float, float, float]:
    # The same arithmetic, in the same order, as the rung's windows were computed when played.
    scale = good_ms / level[1]
    return (level[0] * scale, good_ms, level[2] * scale)


def _judged(asynchrony_ms: float, windows: tuple[float, float, float]) -> str:
    """The judgement these windows give (inclusive edges), to check the stored one against."""
    magnitude_ms = abs(asynchrony_ms)
    sro_ms, good_ms, ok_ms = windows
    if magnitude_ms <= sro_ms:
        return "sro"
    if magnitude_ms <= good_ms:
        return "good"
    return "ok" if magnitude_ms <= ok_ms else "off"


class _Session:
    def __init__(self, connection: sqlite3.Connection, session_id: int, sample_rate_hz: int):
        self.connection = connection
        self.session_id = session_id
        self.sample_rate_hz = sample_rate_hz
        self.steps = [
            _Step(*row)
            for row in connection.execute(
                "SELECT audio_frame, tempo_bpm, window_ms FROM adaptation_steps "
                "WHERE session_id = ? ORDER BY audio_frame, task_index, step_index",
                (session_id,),
            )
        ]
        self.notes: list[tuple[int | None, str]] = []

    def note(self, task_index: int | None, text: str) -> None:
        self.notes.append((task_index, text))

    def windows_of(
        self, frame: int, level: tuple[float, float, float] | None
    ) -> tuple[float, float, float] | None:
        if level is None:
            return None
        if not self.steps:
            return level
        in_force = [step for step in self.steps if step.audio_frame <= frame]
        if in_force:
            good_ms = in_force[-1].window_ms
            return None if good_ms is None else _windows_at(level, good_ms)
        # Before the first step: the starting rung's, known only if no step moved the window.
        unchanged = all(step.window_ms == level[1] for step in self.steps)
        return level if unchanged else None

    def fill_task(self, task_index: int, settings_json: str, tempo_bpm: float) -> None:
        try:
            settings = json.loads(settings_json)
        except ValueError:
            settings = {}
        settings = settings if isinstance(settings, dict) else {}
        shape = _task_shape(settings)
        if shape is None:
            self.note(
                task_index, "the task's pattern was not stored; its steps are taken as one a beat"
            )
            shape = ("x", 1)
        pattern, steps_per_beat = shape
        level = _level_windows(settings)
        if level is None:
            self.note(task_index, "the level's windows were not stored; windows left empty")
        rows = self.connection.execute(
            "SELECT beat_index, target_frame FROM beats WHERE session_id = ? AND task_index = ? "
            "ORDER BY beat_index",
            (self.session_id, task_index),
        ).fetchall()
        beat_indices = [row[0] for row in rows]
        frames = [row[1] for row in rows]
        steps = _target_steps(pattern, max(beat_indices, default=-1) + 1)
        steps = [steps[index] for index in beat_indices]
        if self.steps:
            candidates = sorted(
                {tempo_bpm, *(s.tempo_bpm for s in self.steps if s.tempo_bpm is not None)}
            )
            measured = _tempi_of_spacing(
                frames, steps, steps_per_beat, candidates, self.sample_rate_hz
            )
            tempi, gaps = _filled(measured, tempo_bpm)
            if gaps:
                self.note(
                    task_index,
                    f"the tempo of {gaps} target(s) could not be measured (a pause after "
                    "them); taken from the targets before",
                )
        else:
            tempi = [tempo_bpm] * len(frames)
        unknown = 0
        updates = []
        for beat_index, frame, bpm in zip(beat_indices, frames, tempi, strict=True):
            windows = self.windows_of(frame, level)
            unknown += windows is None
            sro, good, ok = (None, None, None) if windows is None else windows
            ioi_ms = MS_PER_MINUTE / bpm / steps_per_beat
            updates.append((bpm, ioi_ms, sro, good, ok, self.session_id, task_index, beat_index))
        self.connection.executemany(
            "UPDATE beats SET tempo_bpm = ?, ioi_ms = ?, sro_ms = ?, good_ms = ?, ok_ms = ? "
            "WHERE session_id = ? AND task_index = ? AND beat_index = ?",
            updates,
        )
        if unknown and level is not None:
            self.note(
                task_index,
                f"the windows of {unknown} target(s) before the first difficulty change were "
                "not recorded (the starting rung was not stored); left empty, the stored "
                "judgements stand",
            )
        end_bpm = tempi[-1] if tempi else tempo_bpm
        self.connection.execute(
            "UPDATE tasks SET tempo_bpm_end = ? WHERE session_id = ? AND task_index = ?",
            (end_bpm, self.session_id, task_index),
        )

    def check_judgements(self) -> None:
        """Count, per task, paired taps whose stored judgement does not follow from their
        asynchrony and the windows filled in."""
        disagree: dict[int, int] = {}
        rows = self.connection.execute(
            "SELECT task_index, asynchrony_ms, judgement, sro_ms, good_ms, ok_ms FROM taps "
            "WHERE session_id = ? AND sro_ms IS NOT NULL AND asynchrony_ms IS NOT NULL",
            (self.session_id,),
        )
        for task_index, asynchrony_ms, judgement, *windows in rows:
            if _judged(asynchrony_ms, tuple(windows)) != judgement:
                disagree[task_index] = disagree.get(task_index, 0) + 1
        for task_index, count in sorted(disagree.items()):
            self.note(
                task_index,
                f"{count} tap(s) have a stored judgement that does not follow from their "
                "asynchrony and the windows recovered for them",
            )


def fill_what_was_in_force(connection: sqlite3.Connection) -> None:
    """Fill the columns migration 6 added for every session already stored."""
    sessions = connection.execute("SELECT id, sample_rate_hz FROM sessions ORDER BY id").fetchall()
    for session_id, sample_rate_hz in sessions:
        session = _Session(connection, session_id, sample_rate_hz)
        tasks = connection.execute(
            "SELECT task_index, settings_json, tempo_bpm_start FROM tasks WHERE session_id = ? "
            "ORDER BY task_index",
            (session_id,),
        ).fetchall()
        for task_index, settings_json, tempo_bpm in tasks:
            session.fill_task(task_index, settings_json, tempo_bpm)
        # A paired tap was judged with its target's windows.
        connection.execute(
            "UPDATE taps SET (sro_ms, good_ms, ok_ms) = (SELECT b.sro_ms, b.good_ms, b.ok_ms "
            "FROM beats AS b WHERE b.session_id = taps.session_id "
            "AND b.task_index = taps.task_index AND b.beat_index = taps.beat_index) "
            "WHERE session_id = ? AND beat_index IS NOT NULL "
            "AND judgement IN ('sro', 'good', 'ok', 'off')",
            (session_id,),
        )
        session.check_judgements()
        connection.executemany(
            "INSERT INTO migration_notes (session_id, task_index, note) VALUES (?, ?, ?)",
            [(session_id, task_index, text) for task_index, text in session.notes],
        )
    # Progress sums now count each tap as judged and phase it by its own beat's interval.
    connection.execute("UPDATE sessions SET limb_stats_version = NULL")
