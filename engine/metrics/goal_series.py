"""The values a goal's target is measured by, session by session, from the stored taps.

A stored goal (engine/store/chart_records.py) names a metric, a comparison, a value, the
limbs or task it counts on and the day from which sessions count. Each ended session played
by the child (not by the program) from that day on gives one point: the metric of its tasks
that the target applies to, taken together (engine/metrics/task.py's pooled metrics), on the
session's local date. engine/metrics/goals.py turns the points into baseline, latest and
trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from engine.metrics.goals import Comparison, Goal, GoalProgress, GoalTarget, goal_progress
from engine.metrics.task import pooled_metrics, task_taps_of_session
from engine.store.chart_records import GoalRecord
from engine.store.protocol import Store
from engine.store.records import SESSION_RUNNING, SessionRecord


def local_date(utc_iso: str) -> date:
    return datetime.fromisoformat(utc_iso).astimezone().date()


def goal_of(record: GoalRecord) -> Goal:
    """The goal model of a stored goal (ValueError if its target does not check)."""
    if record.metric is None:
        return Goal(record.text)
    target = GoalTarget(
        metric=record.metric,
        comparison=Comparison(record.comparison),
        value=float(record.target_value),
        limbs=record.limbs,
        task_name=record.task_name,
        by_date=None if record.by_date is None else date.fromisoformat(record.by_date),
    )
    return Goal(record.text, target)


@dataclass(frozen=True)
class GoalPointOfSession:
    session_id: int
    day: date
    value: float


def goal_points(
    store: Store, target: GoalTarget, sessions: Sequence[SessionRecord]
) -> list[GoalPointOfSession]:
    """One point per session of ``sessions`` that has tasks ``target`` applies to and taps
    on them; sessions still running or played by the program give none."""
    points = []
    for session in sessions:
        if session.status == SESSION_RUNNING or session.autoplayed:
            continue
        tasks = [
            task
            for task in task_taps_of_session(store, session.session_id)
            if target.applies_to(task.task_name, task.limbs)
        ]
        if not tasks:
            continue
        value = float(getattr(pooled_metrics(tasks), target.metric))
        if math.isfinite(value):
            points.append(
                GoalPointOfSession(session.session_id, local_date(session.started_at_utc), value)
            )
    return points


@dataclass(frozen=True)
class GoalStanding:
    """A goal and how it stands up to a day: its points and its progress (None for a goal
    without a measurable target)."""

    record: GoalRecord
    goal: Goal
    points: tuple[GoalPointOfSession, ...]
    progress: GoalProgress | None


def goal_standing(store: Store, record: GoalRecord, up_to: date | None = None) -> GoalStanding:
    """``record``'s progress over the profile's sessions from its baseline day to ``up_to``
    (inclusive; None: every session)."""
    goal = goal_of(record)
    if goal.target is None:
        return GoalStanding(record, goal, (), None)
    since = date.fromisoformat(record.baseline_from)
    sessions = [
        session
        for session in store.list_sessions(record.profile_code)
        if since <= local_date(session.started_at_utc)
        and (up_to is None or local_date(session.started_at_utc) <= up_to)
    ]
    points = goal_points(store, goal.target, sessions)
    progress = goal_progress(goal.target, [(point.day, point.value) for point in points])
    return GoalStanding(record, goal, tuple(points), progress)
