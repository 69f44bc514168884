"""Where a child stands in their plan: which run, which stop is next, when a break is due, and
when the run is done. Pure functions of the plan, the sessions the store holds under it and
the time; the kiosk's scenes only show and follow what these decide.

A *run* is one sitting at the kiosk: the plan's levels in order (the *stops*), opened by the
standard assessment on the first run and every ``assessment_every``-th after. Each level
played is a session stored with its plan id, run number (``plan_visit``) and stop. A run cut
short (a crash, a child who walked away) goes on at its first stop not yet completed if the
child comes back within ``resume_within_hours``; otherwise the next run begins. A run is done
when every stop is completed or it has lasted ``session_minutes`` of play; the next level
never starts after that, and the run stays done (one run per sitting) until
``resume_within_hours`` after its last session, when the next run begins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.session.plans import ASSESSMENT_LEVEL_ID, Plan
from engine.store.records import SESSION_COMPLETE, SessionRecord

PLAY = "play"
BREAK = "break"
DONE = "done"


@dataclass(frozen=True)
class Stop:
    index: int  # 0-based within the run
    level_id: str
    plan_level: int | None  # 1-based number among the plan's levels; None: the assessment


@dataclass(frozen=True)
class PlanPlace:
    """Where in a plan a session is played: stored with it (plan_id, plan_visit, plan_stop)."""

    plan_id: int
    run_number: int
    stop_index: int


@dataclass(frozen=True)
class RunState:
    """One run of a plan as the store knows it."""

    run_number: int  # 1 = the child's first run of this plan
    stops: tuple[Stop, ...]
    completed: frozenset[int]  # stop indexes completed in this run
    played_s: float  # seconds of play in this run so far (sessions' start to end)


@dataclass(frozen=True)
class BreakLog:
    """The breaks taken in the current run (kept by the kiosk while it runs)."""

    after_taken: frozenset[int] = frozenset()  # plan levels (1-based) a break followed
    played_s_at_last_break: float = 0.0


@dataclass(frozen=True)
class NextUp:
    kind: str  # PLAY, BREAK or DONE
    stop: Stop | None = None  # the stop to play (PLAY)
    break_s: float | None = None  # how long the break lasts (BREAK)
    after_level: int | None = None  # the plan level a break by position follows (BREAK)


def run_stops(plan: Plan, run_number: int) -> tuple[Stop, ...]:
    """The stops of run ``run_number`` (1-based): the plan's levels, with the standard
    assessment first on the first run and every ``assessment_every``-th after."""
    with_assessment = bool(plan.assessment_every) and (run_number - 1) % plan.assessment_every == 0
    stops = [Stop(0, ASSESSMENT_LEVEL_ID, None)] if with_assessment else []
    for number, level_id in enumerate(plan.levels, start=1):
        stops.append(Stop(len(stops), level_id, number))
    return tuple(stops)


def session_seconds(session: SessionRecord) -> float:
    """Seconds from a session's start to its end; 0 when it never ended (a crash)."""
    if session.ended_at_utc is None:
        return 0.0
    started = datetime.fromisoformat(session.started_at_utc)
    ended = datetime.fromisoformat(session.ended_at_utc)
    return max(0.0, (ended - started).total_seconds())


def current_run(
    plan: Plan,
    plan_id: int,
    sessions: Sequence[SessionRecord],
    now_utc: datetime,
    resume_within_hours: float,
) -> RunState:
    """The run the child plays now: the latest run of plan ``plan_id`` if it is unfinished
    and recent, else a new one. ``sessions``: the child's sessions (any plan)."""
    mine = [s for s in sessions if s.plan_id == plan_id and s.plan_visit is not None]
    if not mine:
        return _state(plan, 1, [])
    latest_number = max(s.plan_visit for s in mine)
    latest = _state(plan, latest_number, [s for s in mine if s.plan_visit == latest_number])
    last_seen = max(
        datetime.fromisoformat(s.ended_at_utc or s.started_at_utc)
        for s in mine
        if s.plan_visit == latest_number
    )
    # A run that is done stays the current one (the child sees it finished) until that long
    # after it: one run per sitting, as a therapist plans sessions.
    if (now_utc - last_seen).total_seconds() > resume_within_hours * 3600:
        return _state(plan, latest_number + 1, [])
    return latest


def _state(plan: Plan, run_number: int, sessions: Sequence[SessionRecord]) -> RunState:
    stops = run_stops(plan, run_number)
    completed = frozenset(
        s.plan_stop
        for s in sessions
        if s.status == SESSION_COMPLETE and s.plan_stop is not None and s.plan_stop < len(stops)
    )
    return RunState(run_number, stops, completed, sum(session_seconds(s) for s in sessions))


def run_is_done(plan: Plan, run: RunState) -> bool:
    """Every stop completed, or the run has had its session length of play."""
    if len(run.completed) >= len(run.stops):
        return True
    return plan.session_minutes is not None and run.played_s >= plan.session_minutes * 60


def next_up(plan: Plan, run: RunState, breaks: BreakLog) -> NextUp:
    """What comes next in ``run``: a stop to play, a break, or the end of the run. ``plan``
    has the station's defaults filled in (Plan.with_defaults)."""
    if run_is_done(plan, run):
        return NextUp(DONE)
    break_s = plan.breaks.seconds or 0.0
    if run.completed:
        # A break by position follows the last stop completed, before the next one starts.
        level = run.stops[max(run.completed)].plan_level
        if level in plan.breaks.after and level not in breaks.after_taken:
            return NextUp(BREAK, break_s=break_s, after_level=level)
        every = plan.breaks.every_minutes
        if every is not None and run.played_s - breaks.played_s_at_last_break >= every * 60:
            return NextUp(BREAK, break_s=break_s)
    stop = next(stop for stop in run.stops if stop.index not in run.completed)
    return NextUp(PLAY, stop=stop)


def take_break(breaks: BreakLog, run: RunState, up: NextUp) -> BreakLog:
    """The break log after the break ``up`` was taken."""
    after = breaks.after_taken
    if up.after_level is not None:
        after = after | {up.after_level}
    return BreakLog(after, run.played_s)
