"""The one summary of judged taps (metrics.md, "Clinic metrics"): what the HUD, the results
screen, rewards and reports all show, so that no two of them can disagree.

It counts what the judge decided (engine/scoring/judgement.py); it never holds an asynchrony
against a window itself, so a tap counts as SRO or as a hit exactly when it was judged so,
with the windows that were in force for its target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.scoring.judgement import Judgement, hit_flags, paired_flags


@dataclass(frozen=True)
class TaskSummary:
    targets: int
    paired_taps: int
    hits: int  # judged sro or good
    sro_taps: int
    missed_targets: int
    extra_taps: int
    task_average_ms: float  # mean |asynchrony| of paired taps (NaN when none)
    sro_percent: float  # share of paired taps judged SRO (NaN when none)
    early_taps: int
    late_taps: int
    longest_burst: int  # most consecutive SRO taps, within one task
    mean_asynchrony_ms: float

    @property
    def hit_rate(self) -> float:
        """Hits over targets (0 with no targets): what stars and the staircase aim at."""
        return self.hits / self.targets if self.targets else 0.0

    def percent_of_paired(self, count: int) -> float:
        return 100.0 * count / self.paired_taps if self.paired_taps else math.nan


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a boolean array."""
    best = current = 0
    for flag in np.asarray(flags, dtype=bool).tolist():
        current = current + 1 if flag else 0
        best = max(best, current)
    return best


def summarize(
    judgement: np.ndarray,
    asynchrony_ms: np.ndarray,
    targets: int,
    task_index: np.ndarray | None = None,
) -> TaskSummary:
    """Summary of judged taps, in tap order: ``judgement`` codes (Judgement; unscored taps
    are left out of every count), ``asynchrony_ms`` (NaN where unpaired) and the number of
    targets they were aimed at. With ``task_index`` (one per tap) the taps may come from
    several tasks, and a burst never runs from one task into the next."""
    codes = np.asarray(judgement, dtype=np.int8)
    asynchrony_ms = np.asarray(asynchrony_ms, dtype=np.float64)
    paired = paired_flags(codes)
    paired_ms = asynchrony_ms[paired]
    sro = codes[paired] == Judgement.SRO
    paired_count = int(paired.sum())
    if task_index is None:
        burst = longest_run(sro)
    else:
        paired_tasks = np.asarray(task_index)[paired]
        burst = max(
            (longest_run(sro[paired_tasks == task]) for task in np.unique(paired_tasks)),
            default=0,
        )
    return TaskSummary(
        targets=int(targets),
        paired_taps=paired_count,
        hits=int(hit_flags(codes).sum()),
        sro_taps=int(sro.sum()),
        missed_targets=int(targets) - paired_count,
        extra_taps=int((codes == Judgement.EXTRA).sum()),
        task_average_ms=float(np.abs(paired_ms).mean()) if paired_count else math.nan,
        sro_percent=float(100.0 * sro.mean()) if paired_count else math.nan,
        early_taps=int((paired_ms < 0).sum()),
        late_taps=int((paired_ms > 0).sum()),
        longest_burst=burst,
        mean_asynchrony_ms=float(paired_ms.mean()) if paired_count else math.nan,
    )
