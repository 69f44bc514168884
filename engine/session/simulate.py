"""Simulated tappers playing adaptive levels through the real scorer, to check the staircase.

A tapper taps each target once with a Gaussian asynchrony (SD, optional bias) unless a lapse
makes them skip it. The level's tasks are played in turn, each laid out by schedule_task and
scored tap by tap by OnlineScorer with the windows of the rung in force; misses come from
OnlineScorer.newly_missed. The staircase hears every trial as it is decided and changes the
rung only at the task's boundaries (change_period_beats), where a new tempo re-lays the rest
of the task (reschedule_task) and a new scorer takes over, fed the recent taps.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.levels.model import Adaptive, Level, Task, Windows
from engine.scoring.kernels import EXTRA, GOOD, SRO, OnlineScorer
from engine.session.adaptation import (
    FIRST_STEP_UP_RUNGS,
    WINDOW,
    Rung,
    Staircase,
    build_ladder,
    change_period_beats,
    level_rung,
    windows_at,
)
from engine.timing.schedule import TaskGrid, reschedule_task, schedule_task

SAMPLE_RATE_HZ = 48000
TASK_GAP_FRAMES = 3 * SAMPLE_RATE_HZ  # silence between tasks; only tidiness, nothing hangs on it


@dataclass(frozen=True)
class Tapper:
    """A simulated child. ``sd_ms`` and ``bias_ms`` describe the asynchrony (negative bias =
    early); ``lapse_rate`` is the share of targets not tapped at all. With
    ``sd_scales_with_interval`` the SD is ``sd_ms`` at the level's tempo and grows in
    proportion to the beat interval (scalar timing), so slower rungs are harder."""

    sd_ms: float
    bias_ms: float = 0.0
    lapse_rate: float = 0.0
    sd_scales_with_interval: bool = False


@dataclass(frozen=True, eq=False)
class SimulatedRun:
    """One simulated session, per trial in the order the staircase heard them."""

    success: np.ndarray  # bool
    rung: np.ndarray  # int64, the rung in force when the trial's target was laid out
    good_window_ms: np.ndarray  # float64, the good window of that rung


def _first_channel(accept_mask: int) -> int:
    return (accept_mask & -accept_mask).bit_length() - 1


class _Run:
    """The state of one simulated session."""

    def __init__(self, level: Level, tapper: Tapper, trials: int, seed: int, first_step: float):
        if level.adaptive is None:
            raise ValueError(f"level {level.id!r} is not adaptive; there is nothing to simulate")
        self.level = level
        self.tapper = tapper
        self.trials = trials
        self.random = np.random.default_rng(seed)
        self.ladder: tuple[Rung, ...] = build_ladder(level)
        self.staircase = Staircase(
            len(self.ladder), level.adaptive.target, level_rung(level, self.ladder), first_step
        )
        self.success: list[bool] = []
        self.rung_of_trial: list[int] = []
        self.rung_of_target: dict[int, int] = {}

    def _scorer(self, grid: TaskGrid, rung: Rung, taps: list[tuple[int, int]]) -> OnlineScorer:
        windows = windows_at(self.level, rung)
        scorer = OnlineScorer(
            grid.target_frames,
            grid.target_accept_mask,
            grid.pair_radius_frames,
            sample_rate_hz=SAMPLE_RATE_HZ,
            sro_ms=windows.sro_ms,
            good_ms=windows.good_ms,
            ok_ms=windows.ok_ms,
            input_offset_ms=0.0,
        )
        for frame, channel in taps:
            scorer.add_tap(frame, channel)
        return scorer

    def _trial(self, target: int, success: bool) -> None:
        if len(self.success) < self.trials:
            self.success.append(success)
            self.rung_of_trial.append(self.rung_of_target[target])
            self.staircase.record(success)

    def _taps_for(
        self, grid: TaskGrid, first_target: int, end_target: int, rung: Rung
    ) -> list[tuple[int, int]]:
        """Tap frames and channels the tapper makes for targets [first_target, end_target)."""
        targets = range(first_target, end_target)
        sd_ms = self.tapper.sd_ms
        if self.tapper.sd_scales_with_interval:
            sd_ms *= self.level.tempo_bpm / rung.tempo_bpm
        count = len(targets)
        asynchrony_ms = self.random.normal(self.tapper.bias_ms, sd_ms, count)
        tapped = self.random.random(count) >= self.tapper.lapse_rate
        offsets = np.rint(asynchrony_ms * SAMPLE_RATE_HZ / 1000.0).astype(np.int64)
        return [
            (
                int(grid.target_frames[j] + offsets[i]),
                _first_channel(int(grid.target_accept_mask[j])),
            )
            for i, j in enumerate(targets)
            if tapped[i]
        ]

    def play_task(self, task_index: int, start_frame: int) -> int:
        """Play one task from ``start_frame``; return the frame where it ended."""
        staircase = self.staircase
        rung = self.ladder[staircase.rung_at_boundary()]
        grid = schedule_task(self.level, task_index, start_frame, SAMPLE_RATE_HZ, rung.tempo_bpm)
        taps: list[tuple[int, int]] = []  # fed to the scorer, in time order
        scorer = self._scorer(grid, rung, taps)
        pending: list[tuple[int, int]] = []  # taps made but not yet reached by the clock
        period_beats = change_period_beats(self.level.tasks[task_index])
        beats = grid.beat_frames.shape[0]

        def advance(until_frame: int) -> None:
            """Feed the taps before ``until_frame`` and decide misses up to it, in time order."""
            while pending and pending[0][0] < until_frame:
                frame, channel = heapq.heappop(pending)
                for target in scorer.newly_missed(frame):
                    self._trial(target, False)
                judged = scorer.add_tap(frame, channel)
                taps.append((frame, channel))
                if judged.judgement != EXTRA:
                    self._trial(judged.target, judged.judgement in (SRO, GOOD))
            for target in scorer.newly_missed(until_frame):
                self._trial(target, False)

        for boundary_beat in range(0, beats, period_beats):
            boundary_frame = int(grid.beat_frames[boundary_beat])
            # The rung is chosen when the next bar is laid out: before the first of its targets
            # can be tapped, so with what the staircase knows by then.
            decision_frame = boundary_frame - int(grid.pair_radius_frames.max())
            advance(decision_frame)
            new_rung = self.ladder[staircase.rung_at_boundary()]
            if new_rung != rung:
                if new_rung.tempo_bpm != rung.tempo_bpm:
                    grid = reschedule_task(
                        self.level,
                        grid,
                        boundary_beat,
                        boundary_frame,
                        tempo_bpm=new_rung.tempo_bpm,
                        count_in_beats=0,
                    )
                rung = new_rung
                # Only targets whose pairing window reaches the decision frame can still be
                # tapped, and only taps within two radii before it can have paired with them;
                # replaying those gives the new scorer the old one's pairings where they matter.
                reach_frames = 2 * int(grid.pair_radius_frames.max())  # old radii are kept
                recent = bisect.bisect_left(taps, (decision_frame - reach_frames, -1))
                scorer = self._scorer(grid, rung, taps[recent:])
                scorer.newly_missed(decision_frame)  # those misses were heard already
            end_beat = boundary_beat + period_beats
            end_frame = int(grid.beat_frames[end_beat]) if end_beat < beats else grid.end_frame
            first_target = int(np.searchsorted(grid.target_frames, boundary_frame))
            end_target = int(np.searchsorted(grid.target_frames, end_frame))
            for target in range(first_target, end_target):
                self.rung_of_target[target] = staircase.rung
            for frame, channel in self._taps_for(grid, first_target, end_target, rung):
                # A tap further out than the pairing radius could come before the decision;
                # it is taken as made at the decision, which keeps taps in time order.
                heapq.heappush(pending, (max(frame, decision_frame), channel))
        closing_frame = int(grid.target_frames[-1] + grid.pair_radius_frames[-1]) + 1
        advance(max([closing_frame, *(frame + 1 for frame, _ in pending)]))
        self.rung_of_target.clear()
        return max(closing_frame, grid.end_frame)

    def play(self) -> SimulatedRun:
        frame = 0
        task_index = 0
        while len(self.success) < self.trials:
            frame = self.play_task(task_index, frame) + TASK_GAP_FRAMES
            task_index = (task_index + 1) % len(self.level.tasks)
        rungs = np.asarray(self.rung_of_trial, dtype=np.int64)
        windows_ms = np.array([rung.good_window_ms for rung in self.ladder])
        return SimulatedRun(np.asarray(self.success, dtype=bool), rungs, windows_ms[rungs])


def simulate_run(
    level: Level,
    tapper: Tapper,
    trials: int,
    seed: int,
    first_step_up_rungs: float = FIRST_STEP_UP_RUNGS,
) -> SimulatedRun:
    """One session of ``trials`` trials of an adaptive ``level`` by ``tapper``, repeating the
    level's tasks as needed, from the level's own rung (a child new to it)."""
    return _Run(level, tapper, trials, seed, first_step_up_rungs).play()


EVIDENCE_SDS_MS: tuple[float, ...] = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0)
EVIDENCE_TRIALS = 240
SETTLE_TRIALS = 60  # the success rate must have settled after this many trials
BLOCK_TRIALS = 20
# The good window a Gaussian tapper with no bias hits 80 % of the time is this many SDs wide:
# P(|z| ≤ 1.2816) = 0.8.
HIT_80_WINDOW_SDS = 1.2816


def evidence_level(adjust: tuple[str, ...] = (WINDOW,)) -> Level:
    """The level the evidence is played on: 100 bpm, one 48-beat task for both hands, repeated;
    default windows (15/45/100 ms) as the level's rung. The good window may go from 150 to
    10 ms, so the window a tapper with SD 10–80 ms hits 80 % of the time (12.8–103 ms) is on the
    ladder; the tempo from 100 down to 60 bpm; the visual cue from full to none."""
    task = Task(name="Steady", limbs=("both_hands",), length_beats=48, length_seconds=None)
    return Level(
        format=1,
        id="adaptation-evidence",
        title="Evidence",
        theme="pond",
        tempo_bpm=100.0,
        tasks=(task,),
        windows=Windows(),
        adaptive=Adaptive(
            target=0.8, adjust=adjust, tempo_bpm=(60.0, 120.0), window_ms=(10.0, 150.0)
        ),
    )


@dataclass(frozen=True)
class Evidence:
    """How runs of one tapper went, measured over trials SETTLE_TRIALS+1 .. the last."""

    settled_success: float  # share of successes, all runs pooled
    worst_block_error: float  # largest |block success − target| over BLOCK_TRIALS-trial blocks
    settled_window_ms: float  # median good window in force
    early_success: float  # share of successes in the first SETTLE_TRIALS trials


def evidence(level: Level, tapper: Tapper, seeds: range, trials: int = EVIDENCE_TRIALS) -> Evidence:
    """Play one run per seed and measure it (Evidence)."""
    runs = [simulate_run(level, tapper, trials, seed) for seed in seeds]
    success = np.stack([run.success for run in runs])[:, SETTLE_TRIALS:]
    windows_ms = np.stack([run.good_window_ms for run in runs])[:, SETTLE_TRIALS:]
    target = level.adaptive.target if level.adaptive else 0.0
    blocks = success[:, : success.shape[1] // BLOCK_TRIALS * BLOCK_TRIALS]
    block_success = blocks.reshape(len(runs), -1, BLOCK_TRIALS).mean(axis=(0, 2))
    return Evidence(
        settled_success=float(success.mean()),
        worst_block_error=float(np.abs(block_success - target).max()),
        settled_window_ms=float(np.median(windows_ms)),
        early_success=float(np.mean([run.success[:SETTLE_TRIALS].mean() for run in runs])),
    )


def plot_evidence(
    path: Path, runs: int = 200, sds_ms: tuple[float, ...] = (10, 20, 40, 80)
) -> None:
    """Draw docs/adaptation.png: success rate (mean over ``runs`` runs, moving 10-trial mean)
    and the good window in force (median over runs) against trials, per tapper SD."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    level = evidence_level()
    target = level.adaptive.target if level.adaptive else 0.0
    figure, (success_axes, window_axes) = plt.subplots(
        2, 1, figsize=(8, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    trial_numbers = np.arange(1, EVIDENCE_TRIALS + 1)
    success_axes.axhspan(target - 0.05, target + 0.05, color="0.9", label="target ± 5 points")
    success_axes.axhline(target, color="0.4", linewidth=1)
    for index, sd_ms in enumerate(sds_ms):
        # Seeds of their own per tapper: with shared ones every tapper would draw the same z.
        seeds = range(index * runs, (index + 1) * runs)
        played = [simulate_run(level, Tapper(sd_ms), EVIDENCE_TRIALS, seed) for seed in seeds]
        success = np.stack([run.success for run in played]).mean(axis=0)
        smoothed = np.convolve(success, np.ones(10) / 10, mode="valid")
        (line,) = success_axes.plot(trial_numbers[9:], smoothed, label=f"SD {sd_ms:g} ms")
        window_ms = np.median(np.stack([run.good_window_ms for run in played]), axis=0)
        window_axes.plot(trial_numbers, window_ms, color=line.get_color())
        window_axes.axhline(HIT_80_WINDOW_SDS * sd_ms, color=line.get_color(), linestyle=":")
    for axes in (success_axes, window_axes):
        axes.axvline(SETTLE_TRIALS, color="0.4", linestyle="--", linewidth=1)
    success_axes.set_ylabel("success rate (mean of runs,\nlast 10 trials)")
    success_axes.set_ylim(0.5, 1.0)
    success_axes.legend(loc="lower right", ncol=3, fontsize="small")
    success_axes.set_title(
        f"Weighted up-down staircase, target {target:g}: {runs} simulated runs per tapper"
    )
    window_axes.set_yscale("log")
    window_axes.set_yticks([10, 20, 50, 100, 150], labels=["10", "20", "50", "100", "150"])
    window_axes.minorticks_off()
    window_axes.set_ylabel("good window (ms, median;\ndotted: 80 % window)")
    window_axes.set_xlabel("trial (tap target)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    import sys

    output = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/adaptation.png")
    plot_evidence(output)
    print("| tapper SD (ms) | success 1–60 | success 61–240 | worst 20-trial block | window (ms) |")
    print("|---:|---:|---:|---:|---:|")
    for index, sd_ms in enumerate(EVIDENCE_SDS_MS):
        seeds = range(index * 200, (index + 1) * 200)
        measured = evidence(evidence_level(), Tapper(sd_ms), seeds)
        print(
            f"| {sd_ms:g} | {measured.early_success:.3f} | {measured.settled_success:.3f} "
            f"| ±{measured.worst_block_error:.3f} | {measured.settled_window_ms:.1f} "
            f"(80 %: {HIT_80_WINDOW_SDS * sd_ms:.1f}) |"
        )
    print(f"wrote {output}")
