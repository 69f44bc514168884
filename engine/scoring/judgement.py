"""What a tap was judged, and what that means: the one place that says what a hit is.

The scoring kernels (engine/scoring/kernels.py) decide each tap's judgement from its
asynchrony and the windows in force for its target; everything else (the HUD, results,
rewards, the staircase, reports) reads the judgement and asks this type what it counts as.
Judgements are stored by name (engine.store.records.JUDGEMENTS, in the same order).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Judgement(IntEnum):
    SRO = 0  # within the SRO window ("super right-on")
    GOOD = 1  # within the good window
    OK = 2  # within the ok window
    OFF = 3  # paired with its target, but beyond the ok window
    EXTRA = 4  # paired with no target: none near enough, or its target was taken
    UNSCORED = 5  # recorded but never judged (the count-in, between tasks, after a pause)

    @property
    def is_hit(self) -> bool:
        """Within the good window: what hit rate, stars and the staircase count."""
        return self <= Judgement.GOOD

    @property
    def is_paired(self) -> bool:
        """Paired with a target, so it has an asynchrony (a missed target has no such tap)."""
        return self <= Judgement.OFF

    @property
    def label(self) -> str:
        """The name it is stored and exported under."""
        return self.name.lower()

    @classmethod
    def of_label(cls, label: str) -> Judgement:
        return _BY_LABEL[label]


_BY_LABEL = {judgement.label: judgement for judgement in Judgement}
JUDGEMENT_LABELS: tuple[str, ...] = tuple(judgement.label for judgement in Judgement)


def codes_of_labels(labels: np.ndarray | list[str]) -> np.ndarray:
    """Judgement codes (int8) of stored judgement names."""
    return np.array([_BY_LABEL[label] for label in np.asarray(labels).tolist()], dtype=np.int8)


def hit_flags(codes: np.ndarray) -> np.ndarray:
    """``is_hit`` of each judgement code."""
    return np.asarray(codes) <= Judgement.GOOD


def paired_flags(codes: np.ndarray) -> np.ndarray:
    """``is_paired`` of each judgement code."""
    return np.asarray(codes) <= Judgement.OFF
