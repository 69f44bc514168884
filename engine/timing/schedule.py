"""From a level task to its grid on the audio clock: clicks to play and targets to tap.

A task starts with `count_in_beats` clicks (sounded, never scored), then its beats. The
pattern is laid over the task's steps (`steps_per_beat` per beat); every `x` step is a tap
target, and the targets take the task's limbs in turn. During the last `continuation_beats`
beats the metronome is silent but targets continue (synchronisation–continuation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.levels.limbs import LIMBS, accept_mask
from engine.levels.model import Level, Task
from engine.timing.clock import beat_frames

# What each click of a grid is; the audio synthesis has one sound per kind, in this order.
CLICK_NORMAL = 0
CLICK_ACCENT = 1
CLICK_COUNT_IN = 2

BEATS_PER_BAR = 4  # the accent falls on every fourth beat (the level format has no metre)


@dataclass(frozen=True)
class TaskGrid:
    task_index: int
    tempo_bpm: float
    sample_rate_hz: int
    count_in_start_frame: int  # first count-in click
    start_frame: int  # first scored beat
    end_frame: int  # one beat after the last beat: scoring closes here
    beat_frames: np.ndarray  # int64, every metronome beat of the task (count-in excluded)
    click_frames: np.ndarray  # int64, audible clicks (count-in included, continuation silent)
    click_kinds: np.ndarray  # int8, CLICK_* per click
    target_frames: np.ndarray  # int64, tap targets
    target_limbs: np.ndarray  # int8 index into LIMBS per target
    target_accept_mask: np.ndarray  # int64 channel bitmask per target
    pair_radius_frames: np.ndarray  # int64, half a step interval
    continuation_start_frame: int  # the metronome falls silent here (= end_frame if none)
    # After a pause or a tempo change the task goes on from `resume_beat`, heard at
    # `resume_frame`; beats before it keep the frames they had.
    resume_beat: int = 0
    resume_frame: int = -1

    @property
    def restart_frame(self) -> int:
        return self.start_frame if self.resume_frame < 0 else self.resume_frame

    @property
    def frames_per_beat(self) -> float:
        return self.sample_rate_hz * 60.0 / self.tempo_bpm

    def limb_of_target(self, target_index: int) -> str:
        return LIMBS[int(self.target_limbs[target_index])]

    def beat_position(self, frame: float) -> float:
        """Beats since the task's first beat at this frame (negative in the count-in)."""
        return self.resume_beat + (frame - self.restart_frame) / self.frames_per_beat


def schedule_task(
    level: Level,
    task_index: int,
    count_in_start_frame: int,
    sample_rate_hz: int,
    tempo_bpm: float | None = None,
) -> TaskGrid:
    """Lay task ``task_index`` of ``level`` on the audio clock from ``count_in_start_frame``."""
    task: Task = level.tasks[task_index]
    tempo_bpm = level.tempo_bpm if tempo_bpm is None else tempo_bpm
    count_in = level.count_in_beats
    beats = task.beats_at(tempo_bpm)
    steps = beats * task.steps_per_beat

    # Count-in beats are -count_in .. -1, task beats 0 .. beats-1, positions in beats.
    all_beat_positions = np.arange(-count_in, beats + 1, dtype=np.float64)
    all_beat_offsets = beat_frames(all_beat_positions + count_in, tempo_bpm, sample_rate_hz)
    all_beat_frames = count_in_start_frame + all_beat_offsets
    beat_frames_task = all_beat_frames[count_in : count_in + beats]
    start_frame = int(all_beat_frames[count_in])
    end_frame = int(all_beat_frames[-1])

    sounded = beats - task.continuation_beats
    click_frames = all_beat_frames[: count_in + sounded]
    beat_numbers = np.arange(-count_in, sounded)
    click_kinds = np.where(
        beat_numbers < 0,
        CLICK_COUNT_IN,
        np.where(beat_numbers % BEATS_PER_BAR == 0, CLICK_ACCENT, CLICK_NORMAL),
    ).astype(np.int8)

    step_positions = np.arange(steps, dtype=np.float64) / task.steps_per_beat
    step_frames = start_frame + beat_frames(step_positions, tempo_bpm, sample_rate_hz)
    is_target = np.array([task.pattern[i % len(task.pattern)] == "x" for i in range(steps)])
    target_frames = step_frames[is_target]
    n_targets = target_frames.shape[0]
    limb_names = [task.limbs[i % len(task.limbs)] for i in range(n_targets)]
    step_frames_f = sample_rate_hz * 60.0 / tempo_bpm / task.steps_per_beat
    return TaskGrid(
        task_index=task_index,
        tempo_bpm=float(tempo_bpm),
        sample_rate_hz=int(sample_rate_hz),
        count_in_start_frame=int(count_in_start_frame),
        start_frame=start_frame,
        end_frame=end_frame,
        beat_frames=beat_frames_task.astype(np.int64),
        click_frames=click_frames.astype(np.int64),
        click_kinds=click_kinds,
        target_frames=target_frames.astype(np.int64),
        target_limbs=np.array([LIMBS.index(name) for name in limb_names], dtype=np.int8),
        target_accept_mask=np.array([accept_mask(name) for name in limb_names], dtype=np.int64),
        pair_radius_frames=np.full(n_targets, int(step_frames_f // 2), dtype=np.int64),
        continuation_start_frame=int(all_beat_frames[count_in + sounded]),
    )


def reschedule_task(
    level: Level,
    before: TaskGrid,
    first_beat: int,
    count_in_start_frame: int,
    tempo_bpm: float | None = None,
    count_in_beats: int | None = None,
) -> TaskGrid:
    """Go on with a task from ``first_beat`` after ``count_in_beats`` clicks (resume, tempo).

    Beats and targets before ``first_beat`` keep their frames (they were played); the rest are
    laid out anew from the count-in. Target indices and limbs do not change, so scores and
    records stay comparable. The returned clicks are only the ones to queue now.
    """
    tempo_bpm = before.tempo_bpm if tempo_bpm is None else tempo_bpm
    count_in = level.count_in_beats if count_in_beats is None else count_in_beats
    frames_per_beat = before.sample_rate_hz * 60.0 / tempo_bpm
    resume_frame = count_in_start_frame + round(count_in * frames_per_beat)
    # A fresh schedule whose beat `first_beat` falls on resume_frame.
    fresh_count_in_start = resume_frame - round(
        (first_beat + level.count_in_beats) * frames_per_beat
    )
    fresh = schedule_task(
        level, before.task_index, fresh_count_in_start, before.sample_rate_hz, tempo_bpm
    )
    first_target = int(np.searchsorted(fresh.target_frames, resume_frame))
    count_in_clicks = count_in_start_frame + beat_frames(
        np.arange(count_in, dtype=np.float64), tempo_bpm, before.sample_rate_hz
    )
    later_clicks = fresh.click_frames >= resume_frame
    return TaskGrid(
        task_index=before.task_index,
        tempo_bpm=float(tempo_bpm),
        sample_rate_hz=before.sample_rate_hz,
        count_in_start_frame=int(count_in_start_frame),
        start_frame=before.start_frame,
        end_frame=fresh.end_frame,
        beat_frames=np.concatenate(
            [before.beat_frames[:first_beat], fresh.beat_frames[first_beat:]]
        ),
        click_frames=np.concatenate([count_in_clicks, fresh.click_frames[later_clicks]]),
        click_kinds=np.concatenate(
            [np.full(count_in, CLICK_COUNT_IN, np.int8), fresh.click_kinds[later_clicks]]
        ),
        target_frames=np.concatenate(
            [before.target_frames[:first_target], fresh.target_frames[first_target:]]
        ),
        target_limbs=fresh.target_limbs,
        target_accept_mask=fresh.target_accept_mask,
        pair_radius_frames=np.concatenate(
            [before.pair_radius_frames[:first_target], fresh.pair_radius_frames[first_target:]]
        ),
        continuation_start_frame=fresh.continuation_start_frame,
        resume_beat=first_beat,
        resume_frame=resume_frame,
    )
