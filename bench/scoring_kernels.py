"""Batch scoring three ways on the same taps: the numba kernel, vectorised numpy and plain
Python; and the online scorer's cost per tap.

    python -m bench.scoring_kernels [--sizes 1000 100000 10000000] [--python-up-to 100000]

Each size is a task with that many targets, 0.5 s apart at 48 kHz, each window pair of
(sro, good, ok) in force for four targets at a time (as an adaptive level changes them at bar
lines), and about as many taps as targets: a child-like asynchrony (−20 ± 30 ms), 3 % of
targets missed, 3 % extra taps. All three give the same scores (checked here; the numpy
version is exact only for such data, where every target takes every tap's channel and radii
do not overlap). Times are the best of a few runs, wall-clock on this machine; the ratios
say more than the seconds on another machine. numba scores a million taps or more in pieces on
its threads (engine/scoring/chunks.py); the "1 thread" column is the same merge on one thread,
as numpy and plain Python run. Plain Python runs only up to --python-up-to
taps: at 10 M it would take minutes and gigabytes of Python integers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numba
import numpy as np

from engine.levels.limbs import accept_mask, channel_index
from engine.scoring.chunks import CHUNKED_FROM_TAPS
from engine.scoring.kernels import (
    EXTRA,
    UNPAIRED,
    OnlineScorer,
    ScoredTaps,
    score_taps,
    warm_up,
)
from tests.scoring_reference import score_taps_merged

SAMPLE_RATE_HZ = 48_000
IOI_FRAMES = 24_000  # 500 ms between targets
WINDOW_SETS_MS = np.array([[15.0, 45.0, 100.0], [13.5, 40.5, 90.0], [16.5, 49.5, 110.0]])
TARGETS_PER_WINDOW = 4
ONLINE_TAPS = 100_000


def session(taps: int, seed: int = 1) -> dict:
    """Targets and taps of one long task, as score_taps takes them."""
    rng = np.random.default_rng(seed)
    target_frames = SAMPLE_RATE_HZ + IOI_FRAMES * np.arange(taps, dtype=np.int64)
    windows = WINDOW_SETS_MS[
        rng.integers(0, len(WINDOW_SETS_MS), taps // TARGETS_PER_WINDOW + 1)
    ].repeat(TARGETS_PER_WINDOW, axis=0)[:taps]
    tapped = target_frames[rng.random(taps) >= 0.03]
    asynchrony_frames = np.rint(rng.normal(-20.0, 30.0, tapped.size) * SAMPLE_RATE_HZ / 1000.0)
    extra = rng.integers(0, int(target_frames[-1]) + IOI_FRAMES, taps * 3 // 100)
    tap_frames = np.sort(np.concatenate([tapped + asynchrony_frames.astype(np.int64), extra]))
    hands = [channel_index("right_hand"), channel_index("left_hand")]
    return {
        "target_frames": target_frames,
        "target_accept_mask": np.full(taps, accept_mask("both_hands"), np.int64),
        "pair_radius_frames": np.full(taps, IOI_FRAMES // 2, np.int64),
        "tap_frames": tap_frames,
        "tap_channels": rng.choice(hands, tap_frames.size).astype(np.int64),
        "sample_rate_hz": float(SAMPLE_RATE_HZ),
        "sro_ms": np.ascontiguousarray(windows[:, 0]),
        "good_ms": np.ascontiguousarray(windows[:, 1]),
        "ok_ms": np.ascontiguousarray(windows[:, 2]),
        "input_offset_ms": 2.5,
    }


def score_taps_numpy(
    target_frames: np.ndarray,
    target_accept_mask: np.ndarray,
    pair_radius_frames: np.ndarray,
    tap_frames: np.ndarray,
    tap_channels: np.ndarray,
    *,
    sample_rate_hz: float,
    sro_ms: float | np.ndarray,
    good_ms: float | np.ndarray,
    ok_ms: float | np.ndarray,
    input_offset_ms: float,
) -> ScoredTaps:
    """The rules of score_taps in whole-array numpy, for targets that all take every tap's
    channel and whose radii do not overlap: each tap's nearest target by searchsorted, the
    first tap on a target pairs and the rest are extra (taps are sorted, so a target's taps
    are neighbours)."""
    corrected = tap_frames - input_offset_ms * sample_rate_hz / 1000.0
    count = target_frames.shape[0]
    after = np.searchsorted(target_frames, corrected)
    before = np.maximum(after - 1, 0)
    after_clipped = np.minimum(after, count - 1)
    before_distance = np.where(after > 0, corrected - target_frames[before], np.inf)
    after_distance = np.where(after < count, target_frames[after_clipped] - corrected, np.inf)
    take_after = after_distance < before_distance
    nearest = np.where(take_after, after_clipped, before)
    within = np.where(take_after, after_distance, before_distance) <= pair_radius_frames[nearest]
    candidate = np.where(within, nearest, UNPAIRED)
    first_on_target = np.ones(candidate.shape[0], dtype=bool)
    np.not_equal(candidate[1:], candidate[:-1], out=first_on_target[1:])
    paired = within & first_on_target
    asynchrony_ms = np.where(
        paired, (corrected - target_frames[nearest]) / sample_rate_hz * 1000.0, np.nan
    )
    distance_ms = np.abs(asynchrony_ms)

    def of_target(window_ms: float | np.ndarray) -> float | np.ndarray:
        window_ms = np.asarray(window_ms)
        return window_ms if window_ms.ndim == 0 else window_ms[nearest]

    beyond = (
        (distance_ms > of_target(sro_ms)).astype(np.int8)
        + (distance_ms > of_target(good_ms))
        + (distance_ms > of_target(ok_ms))
    )
    target_tap = np.full(count, UNPAIRED, np.int64)
    target_tap[nearest[paired]] = np.flatnonzero(paired)
    return ScoredTaps(
        tap_target=np.where(paired, candidate, UNPAIRED),
        tap_asynchrony_ms=asynchrony_ms,
        tap_judgement=np.where(paired, beyond, EXTRA).astype(np.int8),
        target_tap=target_tap,
    )


def same_scores(first: ScoredTaps, second: ScoredTaps) -> bool:
    return (
        np.array_equal(first.tap_target, second.tap_target)
        and np.array_equal(first.tap_asynchrony_ms, second.tap_asynchrony_ms, equal_nan=True)
        and np.array_equal(first.tap_judgement, second.tap_judgement)
        and np.array_equal(first.target_tap, second.target_tap)
    )


def best_seconds(action: Callable[[], object], runs: int) -> tuple[float, float, object]:
    """The fastest of ``runs`` runs (the others met a busy machine), as wall seconds and as
    CPU seconds of this thread (which a preempting neighbour does not inflate; every scorer
    here runs on one thread), and the last result."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(runs):
        started_wall, started_cpu = time.perf_counter(), time.thread_time()
        result = action()
        best_cpu = min(best_cpu, time.thread_time() - started_cpu)
        best_wall = min(best_wall, time.perf_counter() - started_wall)
    return best_wall, best_cpu, result


def online_us_per_tap(data: dict) -> float:
    """Microseconds per OnlineScorer.add_tap over the first ONLINE_TAPS taps, as the live loop
    calls it (one tap at a time, Python ints)."""
    targets = {
        name: data[name][:ONLINE_TAPS]
        for name in ("target_frames", "target_accept_mask", "pair_radius_frames")
    }
    windows = {name: data[name][:ONLINE_TAPS] for name in ("sro_ms", "good_ms", "ok_ms")}
    limit = int(targets["target_frames"][-1])
    taps = [
        (frame, channel)
        for frame, channel in zip(
            data["tap_frames"].tolist(), data["tap_channels"].tolist(), strict=True
        )
        if frame <= limit
    ][:ONLINE_TAPS]

    def run() -> None:
        scorer = OnlineScorer(
            **targets,
            **windows,
            sample_rate_hz=data["sample_rate_hz"],
            input_offset_ms=data["input_offset_ms"],
        )
        for frame, channel in taps:
            scorer.add_tap(frame, channel)

    seconds, _, _ = best_seconds(run, 3)
    return seconds / len(taps) * 1e6


def measure(data: dict, with_python: bool) -> dict[str, float]:
    """Taps per second of each scorer on one task (wall clock, and per CPU second for
    numba/numpy), checking that all give the same scores."""
    taps = data["tap_frames"].size
    runs = 3 if taps >= 1_000_000 else 7
    numba_s, _, kernel = best_seconds(lambda: score_taps(**data), runs)
    # One thread: the merge alone, as the online scorer and every short batch run it.
    one_thread_s, one_thread_cpu_s, merged = best_seconds(
        lambda: score_taps(**data, pieces=1), runs
    )
    numpy_s, numpy_cpu_s, vectorised = best_seconds(lambda: score_taps_numpy(**data), runs)
    if not (same_scores(kernel, vectorised) and same_scores(merged, vectorised)):
        raise SystemExit(f"numpy and numba disagree at {taps} taps")
    rates = {
        "numba": taps / numba_s,
        "one_thread": taps / one_thread_s,
        "numpy": taps / numpy_s,
        "ratio": numpy_s / numba_s,
        "one_thread_ratio": numpy_s / one_thread_s,
        "cpu_ratio": numpy_cpu_s / one_thread_cpu_s,
    }
    if with_python:
        python_s, _, plain = best_seconds(lambda: score_taps_merged(**data), 1)
        if not same_scores(kernel, plain):
            raise SystemExit(f"plain Python and numba disagree at {taps} taps")
        rates.update(python=taps / python_s, python_ratio=python_s / numba_s)
    return rates


def table_row(label: str, repeats: list[dict[str, float]]) -> str:
    """Medians over the repeats (each repeat measured every size in turn, so the ratios of a
    repeat share its load)."""

    def median(key: str) -> float | None:
        values = [rates[key] for rates in repeats if key in rates]
        return statistics.median(values) if values else None

    python, python_ratio = median("python"), median("python_ratio")
    python_cell = "skipped" if python is None else f"{python / 1e6:7.2f} M/s"
    python_ratio_cell = "–" if python_ratio is None else f"{python_ratio:,.0f}×"
    ratios = ", ".join(f"{rates['ratio']:.1f}" for rates in repeats)
    one_thread_ratios = ", ".join(f"{rates['one_thread_ratio']:.1f}" for rates in repeats)
    return (
        f"  {label:>22}  {median('numba') / 1e6:8.1f} M/s  {median('one_thread') / 1e6:8.1f} M/s"
        f"  {median('numpy') / 1e6:8.1f} M/s  {python_cell:>12}"
        f"  {median('ratio'):6.1f}× ({ratios})"
        f"  {median('one_thread_ratio'):6.1f}× ({one_thread_ratios})"
        f"  {median('cpu_ratio'):6.1f}×  {python_ratio_cell:>8}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 10_000_000])
    parser.add_argument("--python-up-to", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warm_up()
    tasks = {size: session(size) for size in args.sizes}
    largest = max(args.sizes)
    one_window = {**tasks[largest], "sro_ms": 15.0, "good_ms": 45.0, "ok_ms": 100.0}
    measured: dict[str, list[dict[str, float]]] = {}
    online: list[float] = []
    for _ in range(args.repeats):
        for size, data in tasks.items():
            label = f"{data['tap_frames'].size:,}"
            measured.setdefault(label, []).append(measure(data, size <= args.python_up_to))
        label = f"{one_window['tap_frames'].size:,} (1 window)"
        measured.setdefault(label, []).append(measure(one_window, largest <= args.python_up_to))
        online.append(online_us_per_tap(session(ONLINE_TAPS)))
    print(
        f"scoring_kernels: batch scoring, taps per second, medians of {args.repeats} repeats "
        f"(best of several runs each)"
    )
    print(
        f"  {'taps':>22}  {'numba':>12}  {'1 thread':>12}  {'numpy':>12}  {'Python':>12}"
        f"  numba/numpy (repeats)  1 thread/numpy (repeats)  1 thread/numpy per CPU s"
        f"  numba/Python"
    )
    print(
        f"  (numba: {CHUNKED_FROM_TAPS:,} taps or more in pieces on {numba.get_num_threads()} "
        f"threads, engine/scoring/chunks.py; 1 thread: one merge; numpy and Python: one thread)"
    )
    for label, repeats in measured.items():
        print(table_row(label, repeats))
    print(
        f"  online scorer (OnlineScorer.add_tap, one tap at a time): "
        f"{statistics.median(online):.2f} µs a tap (median; "
        + ", ".join(f"{us:.2f}" for us in online)
        + ")"
    )
    if args.python_up_to < largest:
        print(f"  plain Python skipped above {args.python_up_to:,} taps (minutes, GBs of ints)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
