"""What a run is: hits in a row. The one definition, for the play screen's "7 in a row" and the
results' longest run, so the two can never count different things.

A hit (`Judgement.is_hit`, the one judge's word) makes the run one longer; a tap that paired
with a beat but missed the good window, or a beat with no tap at all, ends it. A tap that
paired with no beat ("extra") and an unscored tap leave it as it is: a child who claps twice
on a beat has not lost the beat. Each task starts a new run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.scoring.judgement import Judgement

MISSED = "missed"  # a beat that passed without a tap


@dataclass
class Streak:
    """The run now and the longest one so far."""

    current: int = 0
    longest: int = 0

    def add(self, outcome: Judgement | str) -> None:
        """One judgement (or its stored name) or MISSED, in the order they happen."""
        if outcome == MISSED:
            self.current = 0
            return
        judgement = outcome if isinstance(outcome, Judgement) else Judgement.of_label(outcome)
        if judgement.is_hit:
            self.current += 1
            self.longest = max(self.longest, self.current)
        elif judgement.is_paired:
            self.current = 0

    def new_task(self) -> None:
        """A new task starts its own run; the longest one is kept."""
        self.current = 0


def longest_run(outcomes: Iterable[Judgement | str]) -> int:
    """The longest run in a sequence of outcomes (judgements and MISSED) in time order."""
    streak = Streak()
    for outcome in outcomes:
        streak.add(outcome)
    return streak.longest
