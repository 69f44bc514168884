"""A session's active time, measured from its recording: the minutes a therapist may bill.

Active time is the time the metronome ran for the child to tap with. For each task it is the
span from its first target to its last, plus one beat for the last target itself; count-ins
before a task, the instructions between tasks, menus and results are not in it. A pause
shows in the recording as a gap between two targets of a task (those after it were laid out
anew, after a new count-in): a gap longer than PAUSE_GAP_BEATS beats at the tempo in force
is a pause, and counts as one beat. No level rests that long within a task: the longest
rest a pattern can hold is under a bar of four beats ("x..."). Pure functions over arrays.
"""

from __future__ import annotations

import numpy as np

# A gap this long between targets is a pause: two bars of four beats, more than any rest.
PAUSE_GAP_BEATS = 8.0
MS_PER_MINUTE = 60_000.0


def active_seconds(
    task_index: np.ndarray,
    target_frame: np.ndarray,
    tempo_bpm: np.ndarray,
    sample_rate_hz: int,
) -> float:
    """Seconds of active time of one session from its targets (one entry per target, any
    order): ``task_index``, ``target_frame`` on the audio clock and ``tempo_bpm`` in force."""
    total_s = 0.0
    for task in np.unique(task_index):
        in_task = task_index == task
        order = np.argsort(target_frame[in_task], kind="stable")
        frames = target_frame[in_task][order].astype(np.float64)
        beat_s = MS_PER_MINUTE / tempo_bpm[in_task][order] / 1000.0
        gaps_s = np.diff(frames) / sample_rate_hz
        # Each gap belongs to the target it leads to: its tempo says how long a beat was.
        paused = gaps_s > PAUSE_GAP_BEATS * beat_s[1:]
        total_s += float(np.where(paused, beat_s[1:], gaps_s).sum()) + float(beat_s[-1])
    return total_s


def whole_minutes(seconds: float) -> int:
    """Seconds as whole minutes, to the nearest (half a minute and more counts as one)."""
    if seconds < 0:
        raise ValueError(f"seconds must not be negative (got {seconds})")
    return int(np.floor(seconds / 60.0 + 0.5))
