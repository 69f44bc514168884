"""Small levels built in code for tests that are about timing, not about YAML."""

from __future__ import annotations

from engine.levels.model import Level, Task, Windows


def make_level(
    *tasks: Task,
    tempo_bpm: float = 100.0,
    count_in_beats: int = 4,
    level_id: str = "test-level",
    windows: Windows | None = None,
) -> Level:
    return Level(
        format=1,
        id=level_id,
        title="Test Level",
        theme="pond",
        tempo_bpm=tempo_bpm,
        tasks=tasks or (make_task(),),
        count_in_beats=count_in_beats,
        windows=windows or Windows(),
    )


def make_task(
    beats: int = 8,
    limbs: tuple[str, ...] = ("both_hands",),
    pattern: str = "x",
    steps_per_beat: int = 1,
    continuation_beats: int = 0,
    name: str = "Task",
) -> Task:
    return Task(
        name=name,
        limbs=limbs,
        length_beats=beats,
        length_seconds=None,
        pattern=pattern,
        steps_per_beat=steps_per_beat,
        continuation_beats=continuation_beats,
    )
