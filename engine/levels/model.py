"""The level as the rest of the engine sees it: frozen dataclasses, already validated.

These mirror the YAML contract in level-format.md (v1). Units live in the names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.timing.tempo_map import beats_lasting


@dataclass(frozen=True)
class Windows:
    """Half-widths of the judgement windows, in ms (sro < good < ok)."""

    sro_ms: float = 15.0
    good_ms: float = 45.0
    ok_ms: float = 100.0


@dataclass(frozen=True)
class Adaptive:
    target: float = 0.8
    adjust: tuple[str, ...] = ("window",)
    tempo_bpm: tuple[float, float] | None = None
    window_ms: tuple[float, float] | None = None


@dataclass(frozen=True)
class Task:
    name: str
    limbs: tuple[str, ...]  # one limb, or several taken in turn per tap step
    length_beats: int | None  # exactly one of length_beats / length_seconds is set
    length_seconds: float | None
    pattern: str = "x"
    steps_per_beat: int = 1
    guide_sounds: bool = False
    visual_cue: str = "full"  # full | fade | none
    continuation_beats: int = 0
    instruction: str | None = None

    def beats_at(self, tempo_bpm: float) -> int:
        """Metronome beats this task lasts at ``tempo_bpm`` (a seconds length rounds up)."""
        if self.length_beats is not None:
            return self.length_beats
        assert self.length_seconds is not None
        return beats_lasting(self.length_seconds, tempo_bpm)


@dataclass(frozen=True)
class LevelText:
    """A level's words in one more language (engine/levels/text.py); None: the level's own."""

    language: str  # ISO 639-1 code, like "es"
    title: str | None = None
    description: str | None = None
    instruction: str | None = None
    task_names: tuple[str | None, ...] = ()  # by task index; shorter: the rest untranslated
    task_instructions: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Level:
    format: int
    id: str
    title: str
    theme: str
    tempo_bpm: float
    tasks: tuple[Task, ...]
    count_in_beats: int = 4
    windows: Windows = Windows()
    adaptive: Adaptive | None = None
    description: str | None = None
    instruction: str | None = None
    ages: tuple[int, int] | None = None
    translations: tuple[LevelText, ...] = ()
    source_path: Path | None = None
