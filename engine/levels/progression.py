"""The order of levels on a child's map: easiest first within each theme.

The level format has no order field (therapists add files freely), so the order comes from
what makes a level hard for a child: subdivisions and rests, several limbs or alternation,
feet rather than hands, one side alone, silent continuation, fading cues, and tempi far from
the 100–120 bpm young children keep best (metrics.md, "Children"); and what makes it easy:
any limb counting, and judgement windows wider than the default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.levels.model import Level, Task

ASSESSMENT_FOLDER = "assessment"  # assessments are run by the therapist, not picked by a child
EASIEST_TEMPO_BPM = 110.0
DEFAULT_GOOD_MS = 45.0
GOOD_MS_PER_STEP = 100.0  # a good window this much wider is one step easier


def task_difficulty(task: Task, tempo_bpm: float) -> float:
    limbs = set(task.limbs)
    feet = any("toe" in limb or "heel" in limb for limb in limbs)
    one_side = all(limb.startswith(("right_", "left_")) for limb in limbs)
    return (
        (task.steps_per_beat - 1)
        + (0.5 if "." in task.pattern else 0.0)
        + (len(limbs) - 1)
        + (0.5 if feet else 0.0)
        + (0.3 if one_side else 0.0)
        + (-0.5 if limbs == {"any"} else 0.0)  # every limb counts: none is the wrong one
        + (1.0 if task.continuation_beats else 0.0)
        + {"full": 0.0, "fade": 0.5, "none": 1.0}[task.visual_cue]
        + abs(tempo_bpm - EASIEST_TEMPO_BPM) / 40.0
    )


def level_difficulty(level: Level) -> float:
    hardest = max(task_difficulty(task, level.tempo_bpm) for task in level.tasks)
    # An adaptive level meets the child where they are, so it is a gentler start.
    adaptive = 0.5 if level.adaptive is not None else 0.0
    wide = (level.windows.good_ms - DEFAULT_GOOD_MS) / GOOD_MS_PER_STEP
    return hardest - adaptive - wide


def is_assessment(level: Level) -> bool:
    return level.source_path is not None and level.source_path.parent.name == ASSESSMENT_FOLDER


def map_levels(levels_by_theme: Mapping[str, Sequence[Level]]) -> dict[str, tuple[Level, ...]]:
    """Playable levels per theme, easiest first (ties by title), assessments left out."""
    return {
        theme: tuple(
            sorted(
                (level for level in levels if not is_assessment(level)),
                key=lambda level: (level_difficulty(level), level.title),
            )
        )
        for theme, levels in levels_by_theme.items()
    }
