"""Goals and progress toward them, checked against series whose baseline, latest value and
least-squares slope are worked out by hand."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pytest

from engine.metrics.goals import (
    GOAL_METRICS,
    Comparison,
    Goal,
    GoalPoint,
    GoalTarget,
    goal_progress,
)
from engine.metrics.progress import DerivedMetrics, LimbPoint

MONDAY = date(2026, 1, 5)
TASK_AVERAGE_40 = GoalTarget(
    "task_average_ms", Comparison.AT_MOST, 40.0, limbs=("both_hands",), by_date=date(2027, 2, 1)
)


def weekly(*values: float, start: date = MONDAY) -> list[tuple[date, float]]:
    return [(start + timedelta(weeks=index), value) for index, value in enumerate(values)]


def test_goal_metrics_are_metrics_the_reports_have():
    derived = {field.name for field in dataclasses.fields(DerivedMetrics)}
    per_session = {field.name for field in dataclasses.fields(LimbPoint)}
    assert set(GOAL_METRICS) <= derived & per_session


def test_task_average_falling_ten_ms_a_week():
    progress = goal_progress(TASK_AVERAGE_40, weekly(80, 70, 60, 50))
    assert progress.baseline == GoalPoint(MONDAY, 80.0)
    assert progress.latest == GoalPoint(MONDAY + timedelta(weeks=3), 50.0)
    assert progress.points == 4
    assert progress.met is False
    assert progress.first_met_on is None
    assert progress.trend_per_week == pytest.approx(-10.0)
    assert progress.trend_unit == "ms per week"
    assert progress.improving is True


def test_target_met_on_the_first_day_a_value_reaches_it():
    target = dataclasses.replace(TASK_AVERAGE_40, value=55.0)
    progress = goal_progress(target, weekly(80, 52, 60, 50))
    assert progress.met is True
    assert progress.first_met_on == MONDAY + timedelta(weeks=1)
    # A target is met at its value: ≤ 50 is met by 50.
    assert goal_progress(dataclasses.replace(target, value=50.0), weekly(80, 50)).met is True


def test_sro_rising_in_percentage_points_per_week():
    # Weeks 0, 1, 2 at 20, 35, 41 %: mean week 1, mean 32 %; slope (12 + 9) / 2 = 10.5.
    target = GoalTarget("sro_percent", Comparison.AT_LEAST, 50.0)
    progress = goal_progress(target, weekly(20, 35, 41))
    assert progress.trend_per_week == pytest.approx(10.5)
    assert progress.trend_unit == "percentage points per week"
    assert (progress.met, progress.improving) == (False, True)
    assert goal_progress(target, weekly(60, 55, 51)).improving is False
    assert goal_progress(target, weekly(60, 55, 51)).met is True


def test_irregular_days_and_several_sessions_a_day():
    # Days 0, 0, 3, 10 and 17 given out of order; the slope in weeks is numpy's degree-1 fit.
    days = [10, 0, 17, 3, 0]
    values = [61.0, 75.0, 48.0, 70.0, 71.0]
    series = [
        (MONDAY + timedelta(days=day), value) for day, value in zip(days, values, strict=True)
    ]
    progress = goal_progress(TASK_AVERAGE_40, series)
    expected_slope = np.polyfit(np.array(days) / 7, values, 1)[0]
    assert progress.trend_per_week == pytest.approx(expected_slope)
    # Of the two points of the first day, the one given first is the baseline.
    assert progress.baseline == GoalPoint(MONDAY, 75.0)
    assert progress.latest == GoalPoint(MONDAY + timedelta(days=17), 48.0)


def test_sessions_without_a_value_are_left_out():
    progress = goal_progress(TASK_AVERAGE_40, weekly(math.nan, 70, 60, math.nan))
    assert progress.points == 2
    assert progress.baseline == GoalPoint(MONDAY + timedelta(weeks=1), 70.0)
    assert progress.trend_per_week == pytest.approx(-10.0)


def test_no_trend_without_two_days():
    empty = goal_progress(TASK_AVERAGE_40, [])
    assert (empty.points, empty.baseline, empty.latest, empty.met) == (0, None, None, None)
    assert (empty.trend_per_week, empty.improving) == (None, None)
    one_day = goal_progress(TASK_AVERAGE_40, [(MONDAY, 45.0), (MONDAY, 38.0)])
    assert (one_day.trend_per_week, one_day.improving) == (None, None)
    assert one_day.met is True


def test_target_filters_tasks_by_limb_and_name():
    assert TASK_AVERAGE_40.applies_to("Hop", ["both_hands"])
    assert not TASK_AVERAGE_40.applies_to("Hop", ["both_hands", "right_toe"])
    assert not TASK_AVERAGE_40.applies_to("Stomp", ["right_toe"])
    hands = GoalTarget("sro_percent", Comparison.AT_LEAST, 60, limbs=("left_hand", "right_hand"))
    assert hands.applies_to("Alternate", ["left_hand", "right_hand"])
    assert hands.applies_to("Left", ["left_hand"])
    named = GoalTarget("sro_percent", Comparison.AT_LEAST, 60, task_name="Frog Hop")
    assert named.applies_to("frog hop", ["right_toe"])
    assert not named.applies_to("Lily Pad", ["right_toe"])


def test_goal_in_the_therapists_words_and_its_target_described():
    goal = Goal(
        "Sam will keep a steady beat with both hands to join in music class", TASK_AVERAGE_40
    )
    assert goal.target.describe() == "Task Average ≤ 40 ms on both hands by 2027-02-01"
    sro = GoalTarget("sro_percent", Comparison("≥"), 65, task_name="Frog Hop")
    assert sro.describe() == "SRO ≥ 65% in Frog Hop"
    assert Goal("Will follow two-step directions").target is None


def test_targets_refuse_unknown_metrics_limbs_and_values():
    with pytest.raises(ValueError, match="task_average_ms, sro_percent"):
        GoalTarget("taps_per_minute", Comparison.AT_LEAST, 30)
    with pytest.raises(ValueError, match="'both_feet' is not a limb"):
        GoalTarget("sro_percent", Comparison.AT_LEAST, 60, limbs=("both_feet",))
    with pytest.raises(ValueError, match="must be a number"):
        GoalTarget("sro_percent", Comparison.AT_LEAST, math.nan)
    with pytest.raises(ValueError):
        Comparison("=")
    assert (Comparison("≤"), Comparison("<=")) == (Comparison.AT_MOST, Comparison.AT_MOST)
