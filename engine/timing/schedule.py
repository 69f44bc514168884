"""From a level task to its grid on the audio clock: clicks to play and targets to tap.

A task starts with `count_in_beats` clicks (sounded, never scored), then its beats. The
pattern is laid over the task's steps (`steps_per_beat` per beat); every `x` step is a tap
target, and the targets take the task's limbs in turn. During the last `continuation_beats`
beats the metronome is silent but targets continue (synchronisation–continuation).

Where each beat and step falls is the task's tempo map's answer (engine/timing/tempo_map.py);
the grid keeps those frames, with the windows in force for each target. How many beats a task
has is fixed when it starts (from its starting tempo, for a length in seconds), so that a
tempo change or a pause moves beats and targets but never renumbers them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.levels.limbs import LIMBS, accept_mask
from engine.levels.model import Level, Task, Windows
from engine.timing.tempo_map import TempoMap

# What each click of a grid is; the audio synthesis has one sound per kind, in this order.
CLICK_NORMAL = 0
CLICK_ACCENT = 1
CLICK_COUNT_IN = 2

BEATS_PER_BAR = 4  # the accent falls on every fourth beat (the level format has no metre)


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class TaskGrid:
    task_index: int
    sample_rate_hz: int
    steps_per_beat: int
    tempo_map: TempoMap
    count_in_start_frame: int  # first count-in click (of the latest count-in, after a pause)
    start_frame: int  # first scored beat
    end_frame: int  # one beat after the last beat: scoring closes here
    beat_frames: np.ndarray  # int64, every metronome beat of the task (count-in excluded)
    click_frames: np.ndarray  # int64, audible clicks (count-in included, continuation silent)
    click_kinds: np.ndarray  # int8, CLICK_* per click
    target_frames: np.ndarray  # int64, tap targets
    target_beats: np.ndarray  # float64, each target's position in beats from the first beat
    target_limbs: np.ndarray  # int8 index into LIMBS per target
    target_accept_mask: np.ndarray  # int64 channel bitmask per target
    pair_radius_frames: np.ndarray  # int64, half the step interval in force at the target
    target_sro_ms: np.ndarray  # float64, the windows in force for each target
    target_good_ms: np.ndarray
    target_ok_ms: np.ndarray
    continuation_start_frame: int  # the metronome falls silent here (= end_frame if none)
    # After a pause the task goes on from `resume_beat`, heard at `resume_frame`; beats before
    # it keep the frames they had.
    resume_beat: int = 0
    resume_frame: int = -1

    @property
    def restart_frame(self) -> int:
        return self.start_frame if self.resume_frame < 0 else self.resume_frame

    @property
    def beat_count(self) -> int:
        return int(self.beat_frames.shape[0])

    @property
    def target_tempo_bpm(self) -> np.ndarray:
        """The tempo in force at each target."""
        return self.tempo_map.tempo_bpm_at(self.target_beats)

    @property
    def target_ioi_ms(self) -> np.ndarray:
        """The interval between steps in force at each target (the IOI of the pattern's grid:
        the beat interval when there is one step a beat)."""
        return self.tempo_map.beat_interval_ms_at(self.target_beats) / self.steps_per_beat

    def limb_of_target(self, target_index: int) -> str:
        return LIMBS[int(self.target_limbs[target_index])]

    def beat_position(self, frame: float) -> float:
        """Beats since the task's first beat at this frame (negative in the count-in)."""
        return self.tempo_map.beat_at(frame)

    def windows_of_target(self, target_index: int) -> Windows:
        return Windows(
            sro_ms=float(self.target_sro_ms[target_index]),
            good_ms=float(self.target_good_ms[target_index]),
            ok_ms=float(self.target_ok_ms[target_index]),
        )

    def first_target_from(self, beat: float) -> int:
        """The first target at or after ``beat``."""
        return int(np.searchsorted(self.target_beats, beat - 1e-9))

    def with_windows_from(self, beat: float, windows: Windows) -> TaskGrid:
        """The grid with ``windows`` in force for the targets from ``beat`` on."""
        first = self.first_target_from(beat)
        arrays = {}
        for name, value in (
            ("target_sro_ms", windows.sro_ms),
            ("target_good_ms", windows.good_ms),
            ("target_ok_ms", windows.ok_ms),
        ):
            array = getattr(self, name).copy()
            array[first:] = value
            arrays[name] = array
        return replace(self, **arrays)


def target_beats(task: Task, beats: int) -> np.ndarray:
    """Where each target of a task ``beats`` long lies, in beats from its first beat: its
    pattern laid over the steps, every `x` a target."""
    steps = beats * task.steps_per_beat
    is_target = np.array([task.pattern[i % len(task.pattern)] == "x" for i in range(steps)])
    return np.flatnonzero(is_target) / task.steps_per_beat


def _target_limbs(task: Task, count: int) -> list[str]:
    """The targets take the task's limbs in turn."""
    return [task.limbs[i % len(task.limbs)] for i in range(count)]


def _click_kinds(beat_numbers: np.ndarray) -> np.ndarray:
    return np.where(
        beat_numbers < 0,
        CLICK_COUNT_IN,
        np.where(beat_numbers % BEATS_PER_BAR == 0, CLICK_ACCENT, CLICK_NORMAL),
    ).astype(np.int8)


def _radius_frames(
    tempo_map: TempoMap, target_beats: np.ndarray, steps_per_beat: int
) -> np.ndarray:
    """Half the step interval in force at each target, whole frames (rounded down)."""
    beat_frames = tempo_map.frames_per_beat_at(target_beats)
    return (beat_frames / steps_per_beat // 2).astype(np.int64)


def schedule_task(
    level: Level,
    task_index: int,
    count_in_start_frame: int,
    sample_rate_hz: int,
    tempo_bpm: float | None = None,
    windows: Windows | None = None,
) -> TaskGrid:
    """Lay task ``task_index`` of ``level`` on the audio clock from ``count_in_start_frame``,
    at ``tempo_bpm`` (default the level's), judged by ``windows`` (default the level's)."""
    task: Task = level.tasks[task_index]
    tempo_bpm = level.tempo_bpm if tempo_bpm is None else float(tempo_bpm)
    windows = level.windows if windows is None else windows
    count_in = level.count_in_beats
    beats = task.beats_at(tempo_bpm)
    # The first count-in click is beat -count_in; beat 0, the first scored one, follows.
    counted_in = TempoMap.steady(sample_rate_hz, count_in_start_frame, tempo_bpm, -count_in)
    start_frame = counted_in.frame_at(0.0)
    tempo_map = TempoMap.steady(sample_rate_hz, start_frame, tempo_bpm)

    all_beats = np.arange(-count_in, beats + 1, dtype=np.float64)
    all_beat_frames = tempo_map.frames_at(all_beats)
    sounded = beats - task.continuation_beats
    beats_of_targets = target_beats(task, beats)
    n_targets = beats_of_targets.shape[0]
    limb_names = _target_limbs(task, n_targets)
    return TaskGrid(
        task_index=task_index,
        sample_rate_hz=int(sample_rate_hz),
        steps_per_beat=task.steps_per_beat,
        tempo_map=tempo_map,
        count_in_start_frame=int(all_beat_frames[0]),
        start_frame=int(start_frame),
        end_frame=int(all_beat_frames[-1]),
        beat_frames=all_beat_frames[count_in : count_in + beats],
        click_frames=all_beat_frames[: count_in + sounded],
        click_kinds=_click_kinds(np.arange(-count_in, sounded)),
        target_frames=tempo_map.frames_at(beats_of_targets),
        target_beats=beats_of_targets,
        target_limbs=np.array([LIMBS.index(name) for name in limb_names], dtype=np.int8),
        target_accept_mask=np.array([accept_mask(name) for name in limb_names], dtype=np.int64),
        pair_radius_frames=_radius_frames(tempo_map, beats_of_targets, task.steps_per_beat),
        target_sro_ms=np.full(n_targets, windows.sro_ms),
        target_good_ms=np.full(n_targets, windows.good_ms),
        target_ok_ms=np.full(n_targets, windows.ok_ms),
        continuation_start_frame=int(all_beat_frames[count_in + sounded]),
    )


def _relaid(level: Level, before: TaskGrid, first_beat: int, tempo_map: TempoMap) -> dict:
    """Frames of the beats, targets and clicks from ``first_beat`` on, on ``tempo_map``; those
    before it keep the frames they were played at."""
    task = level.tasks[before.task_index]
    beats = before.beat_count
    sounded = beats - task.continuation_beats
    later_beats = np.arange(first_beat, beats + 1, dtype=np.float64)
    later_frames = tempo_map.frames_at(later_beats)
    first_target = before.first_target_from(first_beat)
    later_targets = before.target_beats[first_target:]
    sounded_beats = np.arange(first_beat, sounded)
    return {
        "tempo_map": tempo_map,
        "end_frame": int(later_frames[-1]),
        "beat_frames": np.concatenate([before.beat_frames[:first_beat], later_frames[:-1]]),
        "target_frames": np.concatenate(
            [before.target_frames[:first_target], tempo_map.frames_at(later_targets)]
        ),
        "pair_radius_frames": np.concatenate(
            [
                before.pair_radius_frames[:first_target],
                _radius_frames(tempo_map, later_targets, before.steps_per_beat),
            ]
        ),
        "continuation_start_frame": tempo_map.frame_at(float(sounded)),
        "sounded_beats": sounded_beats,
        "sounded_frames": tempo_map.frames_at(sounded_beats.astype(np.float64)),
    }


def reschedule_task(
    level: Level,
    before: TaskGrid,
    first_beat: int,
    count_in_start_frame: int,
    tempo_bpm: float | None = None,
    count_in_beats: int | None = None,
) -> TaskGrid:
    """Go on with a task from ``first_beat`` after ``count_in_beats`` clicks.

    Two uses: after a pause (a count-in from ``count_in_start_frame``, then the rest of the
    task at the tempi it had, shifted later), and a tempo change at a bar line
    (``count_in_beats=0``, ``count_in_start_frame`` the frame of ``first_beat``, which keeps
    it, and ``tempo_bpm`` from there on). Beats and targets before ``first_beat`` keep their
    frames (they were played); target indices, limbs and windows do not change, so scores and
    records stay comparable. The returned clicks are only the ones to queue now.
    """
    count_in = level.count_in_beats if count_in_beats is None else count_in_beats
    if count_in == 0 and tempo_bpm is not None:
        tempo_map = before.tempo_map.with_tempo_from(first_beat, tempo_bpm)
    else:
        tempo_map = before.tempo_map.resumed(first_beat, count_in_start_frame, count_in)
        if tempo_bpm is not None:
            tempo_map = tempo_map.with_tempo_from(first_beat, tempo_bpm)
    laid = _relaid(level, before, first_beat, tempo_map)
    resume_frame = tempo_map.frame_at(float(first_beat))
    count_in_clicks = tempo_map.count_in_frames() if count_in else np.zeros(0, np.int64)
    return replace(
        before,
        tempo_map=tempo_map,
        count_in_start_frame=int(count_in_start_frame),
        end_frame=laid["end_frame"],
        beat_frames=laid["beat_frames"],
        click_frames=np.concatenate([count_in_clicks, laid["sounded_frames"]]).astype(np.int64),
        click_kinds=np.concatenate(
            [np.full(count_in, CLICK_COUNT_IN, np.int8), _click_kinds(laid["sounded_beats"])]
        ),
        target_frames=laid["target_frames"],
        pair_radius_frames=laid["pair_radius_frames"],
        continuation_start_frame=laid["continuation_start_frame"],
        resume_beat=first_beat if count_in else before.resume_beat,
        resume_frame=resume_frame if count_in else before.resume_frame,
    )
