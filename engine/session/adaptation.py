"""The difficulty controller of adaptive levels: a ladder of settings and a staircase on it.

The ladder (``build_ladder``) runs from the easiest rung to the hardest; each rung differs
from the one before in one setting only (the good window, the tempo or the visual cue), and
the level's own settings are one of its rungs. The staircase is weighted up-down (Kaernbach
1991): a continuous position on the ladder moves up (harder) by Δup after a success and down
by Δdown after a failure, with Δdown/Δup = p/(1−p), so that over any stretch of trials the
success rate is p plus (position change)/(trials·(Δup+Δdown)). The rung played is the rounded
position, taken only when the caller asks at a bar or pattern boundary.

A trial is one tap target: a success when its tap is a hit (|asynchrony| ≤ the good window in
force), a failure when it is missed or judged ok/off. Extra taps are not trials.
docs/adaptation.md explains the choices and shows the simulation that checks them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.levels.model import Level, Task, Windows
from engine.store.protocol import Store
from engine.timing.schedule import BEATS_PER_BAR
from engine.timing.tempo_map import MAX_TEMPO_STEP

WINDOW = "window"
TEMPO = "tempo"
VISUAL_CUE = "visual_cue"
VISUAL_CUES: tuple[str, ...] = ("full", "fade", "none")  # easiest first

# Each window rung is at most 10 % narrower than the one before, each tempo rung changes the
# beat interval by at most 5 %: small enough that a child barely notices one step. (The
# staircase may move several rungs at a bar line; the tempo played then follows the rung's
# in steps of at most MAX_TEMPO_STEP a bar, engine/timing/tempo_map.py.)
WINDOW_STEP_RATIO = 0.9
TEMPO_STEP_RATIO = 1.0 + MAX_TEMPO_STEP
# Young children synchronise best at 500–600 ms between beats (metrics.md, "Children").
COMFORT_BPM: tuple[float, float] = (100.0, 120.0)
RUNG_DECIMALS = 1  # rung settings are rounded to 0.1 ms or 0.1 bpm, for reports

# A new child's staircase takes big steps to find its rung fast, then halves the step at each
# of the first reversals of the rung played, down to the step it keeps.
FIRST_STEP_UP_RUNGS = 1.0
FINAL_STEP_UP_RUNGS = 0.25
SHRINKING_REVERSALS = 2

# Weekly therapy is the norm, so a week away is no break. Beyond it the next session starts a
# rung easier per further week, at most three rungs (about 30 % wider windows).
BREAK_GRACE_DAYS = 7.0
BREAK_DAYS_PER_RUNG = 7.0
BREAK_MAX_RUNGS = 3.0


@dataclass(frozen=True)
class Rung:
    """One difficulty step. ``visual_cue`` is None when the ladder leaves each task its own."""

    good_window_ms: float
    tempo_bpm: float
    visual_cue: str | None


@dataclass(frozen=True)
class _Axis:
    """One adjusted setting: its values from easiest to hardest and where the level's is."""

    name: str
    values: tuple
    level_index: int


def is_adaptive(level: Level) -> bool:
    """Whether the level adapts; assessments and other fixed levels have no adaptive block."""
    return level.adaptive is not None


def _geometric(start: float, end: float, max_ratio: float) -> list[float]:
    """Values from ``start`` to ``end`` (both kept exactly) in equal ratios, none beyond
    ``max_ratio`` (or its inverse) from its neighbour; the ones between rounded for reading."""
    if start == end:
        return [start]
    steps = math.ceil(abs(math.log(end / start)) / abs(math.log(max_ratio)) - 1e-9)
    inner = [round(start * (end / start) ** (i / steps), RUNG_DECIMALS) for i in range(1, steps)]
    return [start, *inner, end]


def _window_axis(level: Level) -> _Axis:
    good_ms = level.windows.good_ms
    bounds = level.adaptive.window_ms if level.adaptive else None
    if bounds is None:
        return _Axis(WINDOW, (good_ms,), 0)
    narrowest_ms, widest_ms = bounds
    easier = _geometric(widest_ms, good_ms, WINDOW_STEP_RATIO)
    harder = _geometric(good_ms, narrowest_ms, WINDOW_STEP_RATIO)
    return _Axis(WINDOW, (*easier, *harder[1:]), len(easier) - 1)


def slower_is_harder(tempo_bpm: float, slowest_bpm: float, fastest_bpm: float) -> bool:
    """Which way the tempo ladder makes a level harder.

    Away from the comfort band (100–120 bpm): slower for a level below it, faster above it.
    A level inside it goes toward the bound farther from the band (in log beat interval), and
    on a tie slower: at a fixed window in ms a slower beat is harder (timing variability grows
    with the interval), and slow beats are what young children find hardest.
    """
    low_bpm, high_bpm = COMFORT_BPM
    if tempo_bpm < low_bpm:
        return True
    if tempo_bpm > high_bpm:
        return False
    slow_distance = math.log(low_bpm / slowest_bpm) if slowest_bpm < low_bpm else 0.0
    fast_distance = math.log(fastest_bpm / high_bpm) if fastest_bpm > high_bpm else 0.0
    return slow_distance >= fast_distance


def _tempo_axis(level: Level) -> _Axis:
    tempo_bpm = level.tempo_bpm
    bounds = level.adaptive.tempo_bpm if level.adaptive else None
    if bounds is None:
        return _Axis(TEMPO, (tempo_bpm,), 0)
    slowest_bpm, fastest_bpm = bounds
    # The easy end is the level's tempo moved toward the comfort band as far as the bounds let
    # it, so that a struggling child gets a more comfortable beat, never a harder one.
    if slower_is_harder(tempo_bpm, slowest_bpm, fastest_bpm):
        easiest_bpm, hardest_bpm = max(tempo_bpm, min(fastest_bpm, COMFORT_BPM[0])), slowest_bpm
    else:
        easiest_bpm, hardest_bpm = min(tempo_bpm, max(slowest_bpm, COMFORT_BPM[1])), fastest_bpm
    easier = _geometric(easiest_bpm, tempo_bpm, TEMPO_STEP_RATIO)
    harder = _geometric(tempo_bpm, hardest_bpm, TEMPO_STEP_RATIO)
    return _Axis(TEMPO, (*easier, *harder[1:]), len(easier) - 1)


def _interleaved_steps(step_counts: list[int]) -> list[int]:
    """Axis indices, one per step, each axis's steps spread evenly (ties in axis order)."""
    keyed = [
        ((step + 0.5) / count, axis)
        for axis, count in enumerate(step_counts)
        for step in range(count)
    ]
    return [axis for _, axis in sorted(keyed)]


def build_ladder(level: Level) -> tuple[Rung, ...]:
    """The rungs of an adaptive level, easiest first; each changes one setting of the one
    before. The level's own settings are a rung (``level_rung``): the easier steps of every
    adjusted setting come before it, interleaved, and the harder ones after it."""
    if level.adaptive is None:
        raise ValueError(f"level {level.id!r} has no 'adaptive' block, so it has no ladder")
    builders = {WINDOW: _window_axis, TEMPO: _tempo_axis}
    axes = [
        builders[name](level) if name in builders else _Axis(VISUAL_CUE, VISUAL_CUES, 0)
        for name in level.adaptive.adjust
    ]
    indices = [0] * len(axes)

    def rung() -> Rung:
        chosen = {axis.name: axis.values[index] for axis, index in zip(axes, indices, strict=True)}
        return Rung(
            good_window_ms=chosen.get(WINDOW, level.windows.good_ms),
            tempo_bpm=chosen.get(TEMPO, level.tempo_bpm),
            visual_cue=chosen.get(VISUAL_CUE),
        )

    rungs = [rung()]
    easier_counts = [axis.level_index for axis in axes]
    harder_counts = [len(axis.values) - 1 - axis.level_index for axis in axes]
    for counts in (easier_counts, harder_counts):
        for axis in _interleaved_steps(counts):
            indices[axis] += 1
            rungs.append(rung())
    return tuple(rungs)


def level_rung(level: Level, ladder: tuple[Rung, ...]) -> int:
    """The rung with the level's own settings: where a child new to the level starts."""
    cue = VISUAL_CUES[0] if level.adaptive and VISUAL_CUE in level.adaptive.adjust else None
    return ladder.index(Rung(level.windows.good_ms, level.tempo_bpm, cue))


def windows_at(level: Level, rung: Rung) -> Windows:
    """The judgement windows on ``rung``: sro and ok scale with the good window, so their order
    (sro < good < ok) and proportions stay the level's."""
    scale = rung.good_window_ms / level.windows.good_ms
    return Windows(
        sro_ms=level.windows.sro_ms * scale,
        good_ms=rung.good_window_ms,
        ok_ms=level.windows.ok_ms * scale,
    )


def visual_cue_at(task: Task, rung: Rung) -> str:
    """The visual cue to show for ``task`` on ``rung``: the ladder's when it adjusts the cue
    (it may make a task easier than written), else the task's own."""
    return rung.visual_cue or task.visual_cue


def change_period_beats(task: Task) -> int:
    """Beats between the boundaries where a rung change may take effect in ``task``: a bar line
    where the pattern also starts again, so a change never cuts a bar or a pattern."""
    bar_steps = BEATS_PER_BAR * task.steps_per_beat
    period_steps = math.lcm(bar_steps, len(task.pattern))
    return period_steps // task.steps_per_beat


class Staircase:
    """Weighted up-down staircase over ``rung_count`` rungs aiming at success rate ``target``.

    Call ``record`` after every trial and ``rung_at_boundary`` at each boundary (the rung it
    returns is the one to play until the next boundary). ``position`` is the state to keep
    between sessions. ``first_step_up_rungs`` is Δup at the start; it halves at each of the
    first SHRINKING_REVERSALS reversals of the rung played, but never below
    FINAL_STEP_UP_RUNGS (a child coming back, already near their rung, starts there).
    """

    def __init__(
        self,
        rung_count: int,
        target: float,
        position: float,
        first_step_up_rungs: float = FIRST_STEP_UP_RUNGS,
    ) -> None:
        if rung_count < 1:
            raise ValueError(f"a staircase needs at least one rung, got {rung_count}")
        if not 0.0 < target < 1.0:
            raise ValueError(f"the target success rate must be between 0 and 1, got {target}")
        self.rung_count = rung_count
        self.target = target
        self.position = self._clamped(position)
        self.step_up_rungs = max(first_step_up_rungs, FINAL_STEP_UP_RUNGS)
        self.reversals = 0
        self.trials = 0
        self.successes = 0
        self._rung = self._rounded()
        self._last_change = 0  # +1 harder, −1 easier, 0 none yet

    @property
    def step_down_rungs(self) -> float:
        """Δdown = Δup·p/(1−p): 4 rungs down per 1 up for p = 0.8."""
        return self.step_up_rungs * self.target / (1.0 - self.target)

    @property
    def success_rate(self) -> float | None:
        """Share of this staircase's trials that were successes (None before the first)."""
        return self.successes / self.trials if self.trials else None

    @property
    def rung(self) -> int:
        """The rung in force (chosen at the last boundary)."""
        return self._rung

    def _clamped(self, position: float) -> float:
        return min(max(float(position), 0.0), float(self.rung_count - 1))

    def _rounded(self) -> int:
        return math.floor(self.position + 0.5)

    def record(self, success: bool) -> None:
        """Move the position after one trial (a hit is a success); the rung waits for the
        next boundary."""
        self.trials += 1
        self.successes += bool(success)
        step = self.step_up_rungs if success else -self.step_down_rungs
        self.position = self._clamped(self.position + step)

    def rung_at_boundary(self) -> int:
        """At a bar or pattern boundary: take the rounded position as the rung to play now."""
        rung = self._rounded()
        if rung != self._rung:
            change = 1 if rung > self._rung else -1
            if self._last_change == -change:
                self.reversals += 1
                if self.reversals <= SHRINKING_REVERSALS:
                    self.step_up_rungs = max(self.step_up_rungs / 2.0, FINAL_STEP_UP_RUNGS)
            self._last_change = change
            self._rung = rung
        return rung


def start_position(previous_position: float, days_since_last: float) -> float:
    """Where a child starts after ``days_since_last`` days away from a level they left at
    ``previous_position``: the same rung within a week, then a rung easier per further week,
    at most BREAK_MAX_RUNGS easier, never below the easiest rung."""
    break_days = max(0.0, days_since_last - BREAK_GRACE_DAYS)
    easier_rungs = min(break_days / BREAK_DAYS_PER_RUNG, BREAK_MAX_RUNGS)
    return max(0.0, previous_position - easier_rungs)


def staircase_for_child(
    store: Store, profile_code: str, level: Level, now_utc: datetime | None = None
) -> Staircase:
    """The staircase for a child's next session of an adaptive ``level``: from the stored
    position (eased after a long break) with the final step size, or, for a child new to the
    level, from the level's own rung with big first steps."""
    if level.adaptive is None:
        raise ValueError(f"level {level.id!r} is not adaptive; it has no staircase")
    ladder = build_ladder(level)
    stored = store.adaptive_position(profile_code, level.id)
    if stored is None:
        return Staircase(len(ladder), level.adaptive.target, level_rung(level, ladder))
    now_utc = now_utc or datetime.now(UTC)
    days = (now_utc - datetime.fromisoformat(stored.updated_at_utc)).total_seconds() / 86400.0
    return Staircase(
        len(ladder),
        level.adaptive.target,
        start_position(stored.position, days),
        first_step_up_rungs=FINAL_STEP_UP_RUNGS,
    )


def start_tempo_for_child(
    store: Store, profile_code: str, level: Level, now_utc: datetime | None = None
) -> float | None:
    """The tempo a child's next session of an adaptive ``level`` starts at: where the last one
    ended, so that a child coming back hears no jump. None (start at the staircase's rung)
    for a child new to the level, when the tempo was not recorded, or after a break long
    enough that the staircase starts easier (start_position): then the easier rung's tempo."""
    stored = store.adaptive_position(profile_code, level.id)
    if stored is None or stored.tempo_bpm is None:
        return None
    now_utc = now_utc or datetime.now(UTC)
    days = (now_utc - datetime.fromisoformat(stored.updated_at_utc)).total_seconds() / 86400.0
    if start_position(stored.position, days) != stored.position:
        return None
    return stored.tempo_bpm


def remember_position(
    store: Store,
    profile_code: str,
    level_id: str,
    staircase: Staircase,
    now_utc: datetime | None = None,
    tempo_bpm: float | None = None,
) -> None:
    """Store where the staircase ended, and the tempo the session ended at, for the child's
    next session of the level."""
    when = (now_utc or datetime.now(UTC)).isoformat(timespec="seconds")
    store.save_adaptive_position(profile_code, level_id, staircase.position, when, tempo_bpm)
