"""What the play scene draws, already decided by the play session (engine/session/play.py):
its phases, the feedback on recent taps, and a task's judged taps for the results chart."""

from __future__ import annotations

from dataclasses import dataclass

from engine.levels.model import Level, Windows
from engine.scoring.summary import TaskSummary

PHASE_COUNT_IN = "count_in"
PHASE_PLAYING = "playing"
PHASE_BETWEEN = "between"
PHASE_PAUSED = "paused"
PHASE_DONE = "done"


@dataclass(frozen=True)
class Feedback:
    judgement: str
    asynchrony_ms: float
    audio_frame: int
    limb: str


@dataclass(frozen=True)
class JudgedTaps:
    """A task's scored taps in tap order, as the results chart shows them: asynchrony (ms,
    NaN when unpaired), judgement name, and the windows it was judged with (None unpaired)."""

    asynchrony_ms: tuple[float, ...]
    judgements: tuple[str, ...]
    windows: tuple[Windows | None, ...]


@dataclass(frozen=True)
class PlayView:
    """Everything the play scene draws, already decided."""

    phase: str
    level_title: str
    task_index: int
    task_count: int
    task_name: str
    instruction: str | None
    next_limb: str | None
    count_in_beats_left: int
    beat_fraction: float  # 0 at a beat, rising to 1 just before the next
    beat_number: int  # beats since the task started (negative in the count-in)
    upcoming_s: tuple[tuple[float, str], ...]  # (seconds until audible, limb) of next targets
    visual_cue: str
    metronome_silent: bool
    feedback: tuple[tuple[Feedback, float], ...]  # (judgement, age in s), newest last
    task_average_ms: float
    sro_percent: float
    paired_taps: int
    results: tuple[TaskSummary, ...]
    theme: str = "pond"
    streak: int = 0  # hits in a row in this task
    praise_streak: int | None = None  # a streak milestone to praise now (5, 10, 15, ...)


def waiting_view(level: Level) -> PlayView:
    task = level.tasks[0]
    return PlayView(
        phase=PHASE_BETWEEN,
        level_title=level.title,
        task_index=0,
        task_count=len(level.tasks),
        task_name=task.name,
        instruction=task.instruction or level.instruction,
        next_limb=None,
        count_in_beats_left=0,
        beat_fraction=0.0,
        beat_number=0,
        upcoming_s=(),
        visual_cue=task.visual_cue,
        metronome_silent=False,
        feedback=(),
        task_average_ms=float("nan"),
        sro_percent=float("nan"),
        paired_taps=0,
        results=(),
        theme=level.theme,
    )
