"""The staircase evidence of docs/adaptation.md: its table, its other tappers and its figure.

Simulated tappers play the evidence level through the real play session on the harness's
virtual clock (game/harness.py, `play_tapper`): the frame loop, play scene, PlaySession,
scorer, staircase and recorder the game uses. Each run is one session of a child new to the
level; its trials are read back from what it recorded.

    .venv/bin/python -m bench.adaptation_evidence [--runs 40] [--jobs 1] [--figure PNG]

About 1.7 s of one core per run: the default 40 runs for each of 11 tappers take some
thirteen minutes on one core; the figure goes to docs/adaptation.png unless told. Not part
of `make bench`: it measures the staircase, not this machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    label: str
    sd_ms: float
    bias_ms: float = 0.0
    lapse_rate: float = 0.0
    sd_scales_with_interval: bool = False
    adjust: tuple[str, ...] = ("window",)


def _cases() -> list[Case]:
    from engine.session.simulate import EVIDENCE_SDS_MS

    cases = [Case(f"SD {sd_ms:g} ms", sd_ms) for sd_ms in EVIDENCE_SDS_MS]
    cases += [
        Case("SD 40 ms, bias −35 ms, 8 % lapses", 40.0, bias_ms=-35.0, lapse_rate=0.08),
        Case(
            "SD 20 ms growing with the beat interval, 3 % lapses, ladder "
            "[window, tempo, visual_cue]",
            20.0,
            lapse_rate=0.03,
            sd_scales_with_interval=True,
            adjust=("window", "tempo", "visual_cue"),
        ),
        Case("SD 80 ms, 10 % lapses", 80.0, lapse_rate=0.10),
    ]
    return cases


def _play(job: tuple[Case, int]):
    """One run (in a worker process): the trials of one simulated session."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from engine.session.simulate import Tapper, evidence_level
    from game.harness import play_tapper

    case, seed = job
    tapper = Tapper(case.sd_ms, case.bias_ms, case.lapse_rate, case.sd_scales_with_interval)
    with tempfile.TemporaryDirectory() as data_dir:
        trials, _session = play_tapper(evidence_level(case.adjust), tapper, Path(data_dir), seed)
    return trials


def _plot(path: Path, played: dict[float, Sequence], runs: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from engine.session.simulate import EVIDENCE_TRIALS, HIT_80_WINDOW_SDS, SETTLE_TRIALS

    target = 0.8
    figure, (success_axes, window_axes) = plt.subplots(
        2, 1, figsize=(8, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    trial_numbers = np.arange(1, EVIDENCE_TRIALS + 1)
    success_axes.axhspan(target - 0.05, target + 0.05, color="0.9", label="target ± 5 points")
    success_axes.axhline(target, color="0.4", linewidth=1)
    for sd_ms, trials in played.items():
        success = np.stack([run.success[:EVIDENCE_TRIALS] for run in trials]).mean(axis=0)
        smoothed = np.convolve(success, np.ones(10) / 10, mode="valid")
        (line,) = success_axes.plot(trial_numbers[9:], smoothed, label=f"SD {sd_ms:g} ms")
        windows_ms = np.stack([run.good_window_ms[:EVIDENCE_TRIALS] for run in trials])
        window_axes.plot(trial_numbers, np.median(windows_ms, axis=0), color=line.get_color())
        window_axes.axhline(HIT_80_WINDOW_SDS * sd_ms, color=line.get_color(), linestyle=":")
    for axes in (success_axes, window_axes):
        axes.axvline(SETTLE_TRIALS, color="0.4", linestyle="--", linewidth=1)
    success_axes.set_ylabel("success rate (mean of runs,\nlast 10 trials)")
    success_axes.set_ylim(0.5, 1.0)
    success_axes.legend(loc="lower right", ncol=3, fontsize="small")
    success_axes.set_title(
        f"Weighted up-down staircase in the play session, target {target:g}: {runs} runs per tapper"
    )
    window_axes.set_yscale("log")
    window_axes.set_yticks([10, 20, 50, 100, 150], labels=["10", "20", "50", "100", "150"])
    window_axes.minorticks_off()
    window_axes.set_ylabel("good window (ms, median;\ndotted: 80 % window)")
    window_axes.set_xlabel("trial (tap target)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="runs (sessions) per tapper")
    parser.add_argument("--jobs", type=int, default=1, help="processes to play runs in")
    parser.add_argument(
        "--figure", type=Path, default=ROOT / "docs" / "adaptation.png", help="PNG to write"
    )
    args = parser.parse_args(argv)
    from engine.session.simulate import HIT_80_WINDOW_SDS, SETTLE_TRIALS, measure

    cases = _cases()
    # Seeds of their own per tapper: with shared ones every tapper would draw the same z.
    jobs = [
        (case, index * 1000 + seed) for index, case in enumerate(cases) for seed in range(args.runs)
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_play, jobs, chunksize=4))
    by_case = {case: results[i * args.runs : (i + 1) * args.runs] for i, case in enumerate(cases)}

    plain = [case for case in cases if case.label.startswith("SD") and "," not in case.label]
    print(f"{args.runs} runs per tapper, trials {SETTLE_TRIALS + 1}–240 measured")
    print()
    print(
        "| tapper SD (ms) | success 1–60 | success 61–240 | largest 20-trial block deviation "
        "| window (ms), median | 80 % window (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for case in plain:
        measured = measure(by_case[case], 0.8)
        print(
            f"| {case.sd_ms:g} | {measured.early_success:.3f} | {measured.settled_success:.3f} "
            f"| {measured.worst_block_error:.3f} | {measured.settled_window_ms:.1f} "
            f"| {HIT_80_WINDOW_SDS * case.sd_ms:.1f} |"
        )
    print()
    for case in cases:
        if case in plain:
            continue
        measured = measure(by_case[case], 0.8)
        print(
            f"- {case.label}: success {measured.settled_success:.3f}, largest block deviation "
            f"{measured.worst_block_error:.3f}, window {measured.settled_window_ms:.1f} ms"
        )
    figure_sds = (10.0, 20.0, 40.0, 80.0)
    _plot(
        args.figure,
        {case.sd_ms: by_case[case] for case in plain if case.sd_ms in figure_sds},
        args.runs,
    )
    print(f"\nwrote {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
