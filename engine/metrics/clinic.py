"""Clinic metrics of one task from its scored taps (metrics.md, "Clinic metrics")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.levels.model import Windows


@dataclass(frozen=True)
class TaskSummary:
    targets: int
    paired_taps: int
    hits: int  # |asynchrony| <= good window
    missed_targets: int
    extra_taps: int
    task_average_ms: float  # mean |asynchrony| of paired taps (nan when none)
    sro_percent: float  # share of paired taps within the SRO window (nan when none)
    early_taps: int
    late_taps: int
    longest_burst: int  # most consecutive SRO taps
    mean_asynchrony_ms: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.targets if self.targets else 0.0


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a boolean array."""
    best = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        best = max(best, current)
    return best


def summarize_task(
    paired_asynchrony_ms: np.ndarray,
    targets: int,
    extra_taps: int,
    windows: Windows,
) -> TaskSummary:
    """Summary from the asynchronies (ms, in tap order) of a task's paired taps."""
    asynchrony_ms = np.asarray(paired_asynchrony_ms, dtype=np.float64)
    magnitude_ms = np.abs(asynchrony_ms)
    paired = int(asynchrony_ms.shape[0])
    sro = magnitude_ms <= windows.sro_ms
    return TaskSummary(
        targets=targets,
        paired_taps=paired,
        hits=int((magnitude_ms <= windows.good_ms).sum()),
        missed_targets=targets - paired,
        extra_taps=extra_taps,
        task_average_ms=float(magnitude_ms.mean()) if paired else float("nan"),
        sro_percent=float(100.0 * sro.mean()) if paired else float("nan"),
        early_taps=int((asynchrony_ms < 0).sum()),
        late_taps=int((asynchrony_ms > 0).sum()),
        longest_burst=longest_run(sro),
        mean_asynchrony_ms=float(asynchrony_ms.mean()) if paired else float("nan"),
    )
