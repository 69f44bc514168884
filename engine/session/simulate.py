"""Simulated tappers, the level they play for the staircase evidence, and the measure of it.

The evidence of docs/adaptation.md comes from simulated children playing the real play
session: the game's frame loop, play scene, PlaySession, scorer and recorder on the harness's
virtual clock (game/harness.py, `play_tapper`), never a copy of that loop. This module holds
only what does not need the game: the tapper (how it decides each tap's asynchrony), the
evidence level, the trials read back from what the session recorded, and the numbers that
say whether the success rate settled. The figure and table of the doc come from
bench/adaptation_evidence.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.levels.model import Adaptive, Level, Task, Windows
from engine.scoring.judgement import codes_of_labels, hit_flags
from engine.session.adaptation import WINDOW, build_ladder
from engine.store.columns import UNPAIRED_BEAT
from engine.store.protocol import Store
from engine.timing.schedule import TaskGrid

EVIDENCE_SDS_MS: tuple[float, ...] = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0)
EVIDENCE_TRIALS = 240
EVIDENCE_TASK_BEATS = 48
SETTLE_TRIALS = 60  # the success rate must have settled after this many trials
BLOCK_TRIALS = 20
# The good window a Gaussian tapper with no bias hits 80 % of the time is this many SDs wide:
# P(|z| ≤ 1.2816) = 0.8.
HIT_80_WINDOW_SDS = 1.2816

# Decides, for one target of a task laid out on ``grid``, the asynchrony (ms) to tap it
# with, or None to leave it untapped (game/harness.py's TapPlan).
TapPlan = Callable[[TaskGrid, int, np.random.Generator], float | None]


@dataclass(frozen=True)
class Tapper:
    """A simulated child. ``sd_ms`` and ``bias_ms`` describe the asynchrony (negative bias =
    early); ``lapse_rate`` is the share of targets not tapped at all. With
    ``sd_scales_with_interval`` the SD is ``sd_ms`` at the level's tempo and grows in
    proportion to the beat interval in force (scalar timing), so slower rungs are harder."""

    sd_ms: float
    bias_ms: float = 0.0
    lapse_rate: float = 0.0
    sd_scales_with_interval: bool = False

    def plan(self, level: Level) -> TapPlan:
        """This tapper as the harness's tap plan for ``level``."""

        def asynchrony_ms(grid: TaskGrid, target: int, rng: np.random.Generator) -> float | None:
            if rng.random() < self.lapse_rate:
                return None
            sd_ms = self.sd_ms
            if self.sd_scales_with_interval:
                sd_ms *= level.tempo_bpm / float(grid.target_tempo_bpm[target])
            return float(rng.normal(self.bias_ms, sd_ms))

        return asynchrony_ms


def evidence_level(adjust: tuple[str, ...] = (WINDOW,), trials: int = EVIDENCE_TRIALS) -> Level:
    """The level the evidence is played on: 100 bpm, 48-beat tasks for both hands, as many as
    ``trials`` targets need (one session); default windows (15/45/100 ms) as the level's rung.
    The good window may go from 150 to 10 ms, so the window a tapper with SD 10–80 ms hits 80 %
    of the time (12.8–103 ms) is on the ladder; the tempo from 100 down to 60 bpm; the visual
    cue from full to none."""
    task = Task(
        name="Steady", limbs=("both_hands",), length_beats=EVIDENCE_TASK_BEATS, length_seconds=None
    )
    return Level(
        format=1,
        id="adaptation-evidence",
        title="Evidence",
        theme="pond",
        tempo_bpm=100.0,
        tasks=(task,) * -(-trials // EVIDENCE_TASK_BEATS),
        count_in_beats=2,
        windows=Windows(),
        adaptive=Adaptive(
            target=0.8, adjust=adjust, tempo_bpm=(60.0, 120.0), window_ms=(10.0, 150.0)
        ),
    )


@dataclass(frozen=True, eq=False)
class Trials:
    """The trials of one recorded session of an adaptive level, in target order."""

    success: np.ndarray  # bool: the target's tap was a hit (judged sro or good)
    rung: np.ndarray  # int64, the rung in force at the target
    good_window_ms: np.ndarray  # float64, that rung's good window


def trials_of_session(store: Store, session_id: int, level: Level, first_rung: int) -> Trials:
    """Each scored target of the session as a trial, read from what it recorded: a success
    when a tap paired with it was judged a hit; the rung in force from the session's
    adaptation steps (``first_rung`` before the first). The session itself told the staircase
    the same trials as they were decided."""
    beats = store.beat_columns(session_id)
    taps = store.tap_columns(session_id)
    scored = beats.scored
    task_index, beat_index = beats.task_index[scored], beats.beat_index[scored]
    target_frame = beats.target_frame[scored]
    hit = taps.beat_index != UNPAIRED_BEAT
    hit &= hit_flags(codes_of_labels(taps.judgement))
    hits = set(zip(taps.task_index[hit].tolist(), taps.beat_index[hit].tolist(), strict=True))
    success = np.array(
        [
            (task, beat) in hits
            for task, beat in zip(task_index.tolist(), beat_index.tolist(), strict=True)
        ],
        dtype=bool,
    )
    steps = store.adaptation_steps(session_id)
    step_frames = np.array([step.audio_frame for step in steps], dtype=np.int64)
    step_rungs = np.array([first_rung, *(step.rung for step in steps)], dtype=np.int64)
    # Audio frames run on through a session, so a target's frame orders it among the steps.
    rung = step_rungs[np.searchsorted(step_frames, target_frame, side="right")]
    order = np.argsort(target_frame, kind="stable")
    windows_ms = np.array([r.good_window_ms for r in build_ladder(level)])
    return Trials(success[order], rung[order], windows_ms[rung[order]])


@dataclass(frozen=True)
class Evidence:
    """How runs of one tapper went, measured over trials SETTLE_TRIALS+1 .. the last."""

    settled_success: float  # share of successes, all runs pooled
    worst_block_error: float  # largest |block success − target| over BLOCK_TRIALS-trial blocks
    settled_window_ms: float  # median good window in force
    early_success: float  # share of successes in the first SETTLE_TRIALS trials


def measure(runs: Sequence[Trials], target: float, trials: int = EVIDENCE_TRIALS) -> Evidence:
    """The Evidence of ``runs``, each cut to its first ``trials`` trials."""
    if any(run.success.shape[0] < trials for run in runs):
        raise ValueError(f"every run needs {trials} trials to be measured")
    success = np.stack([run.success[:trials] for run in runs])
    windows_ms = np.stack([run.good_window_ms[:trials] for run in runs])[:, SETTLE_TRIALS:]
    settled = success[:, SETTLE_TRIALS:]
    blocks = settled[:, : settled.shape[1] // BLOCK_TRIALS * BLOCK_TRIALS]
    block_success = blocks.reshape(len(runs), -1, BLOCK_TRIALS).mean(axis=(0, 2))
    return Evidence(
        settled_success=float(settled.mean()),
        worst_block_error=float(np.abs(block_success - target).max()),
        settled_window_ms=float(np.median(windows_ms)),
        early_success=float(success[:, :SETTLE_TRIALS].mean()),
    )
