"""Functional goals and the progress toward them.

A goal is in the therapist's words ("Sam will keep a steady beat with both hands to follow
classroom routines"), and where it can be, tied to a measurable target on one of the report
metrics: "Task Average ≤ 40 ms on both-hands tasks by 2027-02-01". Progress toward a target
follows from a series of (date, value) points, one per session or day, chosen by the caller
with `GoalTarget.applies_to`: the baseline (first point), the latest, whether the latest
meets the target, and the trend, the least-squares slope of value on time in metric units
per week. Pure functions over frozen dataclasses; no database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from engine.levels.limbs import LIMBS

DAYS_PER_WEEK = 7


class Comparison(StrEnum):
    AT_MOST = "<="
    AT_LEAST = ">="

    @classmethod
    def _missing_(cls, value: object) -> Comparison | None:
        # Therapists write the signs as they print: ≤ and ≥.
        return {"≤": cls.AT_MOST, "≥": cls.AT_LEAST}.get(str(value))

    @property
    def sign(self) -> str:
        return "≤" if self is Comparison.AT_MOST else "≥"


@dataclass(frozen=True)
class GoalMetric:
    """A report metric a goal can target, and which way is better."""

    name: str  # as the reports and the metrics name it
    label: str
    unit: str
    trend_unit: str  # the unit of its slope over time
    better: Comparison  # AT_MOST: lower is better


GOAL_METRICS: dict[str, GoalMetric] = {
    metric.name: metric
    for metric in (
        GoalMetric("task_average_ms", "Task Average", "ms", "ms per week", Comparison.AT_MOST),
        GoalMetric("sro_percent", "SRO", "%", "percentage points per week", Comparison.AT_LEAST),
        GoalMetric("sd_asynchrony_ms", "Variability (SD)", "ms", "ms per week", Comparison.AT_MOST),
    )
}


@dataclass(frozen=True)
class GoalTarget:
    """A measurable target: ``metric`` ``comparison`` ``value``, on some tasks, by a date.

    ``limbs`` limits the target to tasks whose limbs are all among them (("both_hands",) for
    "both-hands tasks"); ``task_name`` to tasks of that name. Empty means every task.
    """

    metric: str
    comparison: Comparison
    value: float  # in the metric's unit
    limbs: tuple[str, ...] = ()
    task_name: str | None = None
    by_date: date | None = None

    def __post_init__(self) -> None:
        if self.metric not in GOAL_METRICS:
            known = ", ".join(GOAL_METRICS)
            raise ValueError(f"{self.metric!r} is not a goal metric; use one of {known}")
        if not math.isfinite(self.value):
            raise ValueError(f"a target value must be a number (got {self.value})")
        unknown = [limb for limb in self.limbs if limb not in LIMBS]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a limb; use one of {', '.join(LIMBS)}")

    @property
    def goal_metric(self) -> GoalMetric:
        return GOAL_METRICS[self.metric]

    def is_met_by(self, value: float) -> bool:
        if self.comparison is Comparison.AT_MOST:
            return value <= self.value
        return value >= self.value

    def applies_to(self, task_name: str, task_limbs: Sequence[str]) -> bool:
        """Whether a task with this name and these limbs counts toward the target."""
        if self.task_name is not None and task_name.casefold() != self.task_name.casefold():
            return False
        return not self.limbs or set(task_limbs) <= set(self.limbs)

    def describe(self) -> str:
        """Like "Task Average ≤ 40 ms on both hands by 2027-02-01"."""
        metric = self.goal_metric
        text = f"{metric.label} {self.comparison.sign} {self.value:g}"
        text += "%" if metric.unit == "%" else f" {metric.unit}"
        if self.task_name is not None:
            text += f" in {self.task_name}"
        if self.limbs:
            text += " on " + " or ".join(limb.replace("_", " ") for limb in self.limbs)
        if self.by_date is not None:
            text += f" by {self.by_date.isoformat()}"
        return text


@dataclass(frozen=True)
class Goal:
    text: str  # in the therapist's words, shown as written
    target: GoalTarget | None = None  # None: a goal no metric measures


@dataclass(frozen=True)
class GoalPoint:
    day: date
    value: float


@dataclass(frozen=True)
class GoalProgress:
    target: GoalTarget
    points: int  # points with a value (sessions without taps have none)
    baseline: GoalPoint | None  # the earliest point
    latest: GoalPoint | None  # the last point
    met: bool | None  # the latest value meets the target; None without points
    first_met_on: date | None  # the first day a point met the target
    trend_per_week: float | None  # least-squares slope; None with fewer than two days
    improving: bool | None  # the trend heads toward the target; None without a trend

    @property
    def trend_unit(self) -> str:
        return self.target.goal_metric.trend_unit


def goal_progress(target: GoalTarget, series: Sequence[tuple[date, float]]) -> GoalProgress:
    """Progress toward ``target`` from ``series`` of (day, value in the metric's unit).

    The series may come in any order and hold several points a day; points without a value
    (NaN) are left out. Baseline and latest are the first and last point by day (in the
    given order within a day).
    """
    points = sorted(
        (GoalPoint(day, float(value)) for day, value in series if math.isfinite(value)),
        key=lambda point: point.day,
    )
    first_met_on = next((point.day for point in points if target.is_met_by(point.value)), None)
    trend = _slope_per_week(points)
    improving = None
    if trend is not None:
        improving = trend < 0 if target.comparison is Comparison.AT_MOST else trend > 0
    return GoalProgress(
        target=target,
        points=len(points),
        baseline=points[0] if points else None,
        latest=points[-1] if points else None,
        met=target.is_met_by(points[-1].value) if points else None,
        first_met_on=first_met_on,
        trend_per_week=trend,
        improving=improving,
    )


def _slope_per_week(points: Sequence[GoalPoint]) -> float | None:
    """Least-squares slope of value on time in weeks; None when all points share a day."""
    if not points:
        return None
    weeks = [(point.day - points[0].day).days / DAYS_PER_WEEK for point in points]
    mean_weeks = sum(weeks) / len(weeks)
    mean_value = sum(point.value for point in points) / len(points)
    spread = sum((week - mean_weeks) ** 2 for week in weeks)
    if spread == 0.0:
        return None
    covariation = sum(
        (week - mean_weeks) * (point.value - mean_value)
        for week, point in zip(weeks, points, strict=True)
    )
    return covariation / spread


_TARGET_TEXT = re.compile(r"\s*(.+?)\s*(<=|>=|≤|≥)\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|%)?\s*")
# What therapists type for each metric, beside its name and label.
_METRIC_WORDS = {
    "task average": "task_average_ms",
    "task avg": "task_average_ms",
    "sro": "sro_percent",
    "sro %": "sro_percent",
    "sd": "sd_asynchrony_ms",
    "variability": "sd_asynchrony_ms",
}


def parse_target(text: str) -> tuple[str, Comparison, float]:
    """``"Task Average <= 40 ms"`` as (metric name, comparison, value). ValueError that says
    how to write it otherwise."""
    match = _TARGET_TEXT.fullmatch(text)
    example = "like 'Task Average <= 40 ms', 'SRO >= 60 %' or 'SD <= 30 ms'"
    if match is None:
        raise ValueError(f"'{text}': write a target as METRIC <= or >= VALUE, {example}")
    words, sign, value, unit = match.groups()
    key = " ".join(words.casefold().split())
    by_label = {metric.label.casefold(): name for name, metric in GOAL_METRICS.items()}
    metric = key if key in GOAL_METRICS else _METRIC_WORDS.get(key) or by_label.get(key)
    if metric is None:
        raise ValueError(f"'{words}' is not a goal metric; {example}")
    expected = GOAL_METRICS[metric].unit
    if unit is not None and unit != expected:
        raise ValueError(f"'{text}': {GOAL_METRICS[metric].label} is in {expected}, not {unit}")
    return metric, Comparison(sign), float(value)
