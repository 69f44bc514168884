"""Editing a plan step by step, as the kiosk's plan editor does: levels added, removed and
moved, a break after a level turned on or off, and the plan's numbers stepped up or down
within the bounds a plan file allows (engine/session/plans.py checks the result again
before it is stored).

Every function takes a `Plan` and returns a new one. A break belongs to the level it
follows: moving or removing levels keeps each break after the same level, and a break can
never follow the last level (there is no next level for it to come before).
"""

from __future__ import annotations

from dataclasses import replace

from engine.config.kiosk import PlanDefaults
from engine.session.plans import MAX_STOPS, Plan

# What the editor's steppers do: (smallest, largest, step). The smallest and largest are
# those a plan file allows, or a little inside them where a smaller step makes no sense
# for a child's session.
ASSESSMENT_EVERY_RUNS = (0, 100, 1)  # 0: never
SESSION_MINUTES = (5, 240, 5)
BREAK_EVERY_MINUTES = (5, 240, 5)  # below the smallest: no breaks by the clock
BREAK_SECONDS = (15, 600, 15)


def new_plan(title: str, defaults: PlanDefaults) -> Plan:
    """An empty plan with the station's defaults written out, to build on."""
    return Plan(title, ()).with_defaults(defaults)


def _rows(plan: Plan) -> list[tuple[str, bool]]:
    """(level id, whether a break follows it) for each stop."""
    after = set(plan.breaks.after)
    return [(level_id, index + 1 in after) for index, level_id in enumerate(plan.levels)]


def _of_rows(plan: Plan, rows: list[tuple[str, bool]]) -> Plan:
    after = tuple(index + 1 for index, (_, brk) in enumerate(rows[:-1]) if brk)
    levels = tuple(level_id for level_id, _ in rows)
    return replace(plan, levels=levels, breaks=replace(plan.breaks, after=after))


def add_level(plan: Plan, level_id: str) -> Plan:
    """``level_id`` as the last stop (a plan holds at most MAX_STOPS)."""
    if len(plan.levels) >= MAX_STOPS:
        return plan
    return _of_rows(plan, [*_rows(plan), (level_id, False)])


def remove_level(plan: Plan, index: int) -> Plan:
    rows = _rows(plan)
    del rows[index]
    return _of_rows(plan, rows)


def move_level(plan: Plan, index: int, offset: int) -> Plan:
    """The stop at ``index`` moved ``offset`` places (-1: up, 1: down), with its break."""
    rows = _rows(plan)
    to = index + offset
    if not 0 <= to < len(rows):
        return plan
    rows[index], rows[to] = rows[to], rows[index]
    return _of_rows(plan, rows)


def toggle_break_after(plan: Plan, index: int) -> Plan:
    """A break after the stop at ``index`` (0-based) turned on or off."""
    rows = _rows(plan)
    if index >= len(rows) - 1:
        return plan
    level_id, brk = rows[index]
    rows[index] = (level_id, not brk)
    return _of_rows(plan, rows)


def _stepped(value: float, bounds: tuple[float, float, float], direction: int) -> float:
    low, high, step = bounds
    # Off-grid values (from a plan file) first snap to the grid in the direction asked.
    stepped = (value // step + 1) * step if direction > 0 else -((-value) // step + 1) * step
    return min(high, max(low, stepped))


def step_assessment_every(plan: Plan, direction: int) -> Plan:
    value = plan.assessment_every or 0
    return replace(plan, assessment_every=int(_stepped(value, ASSESSMENT_EVERY_RUNS, direction)))


def step_session_minutes(plan: Plan, direction: int) -> Plan:
    value = plan.session_minutes or SESSION_MINUTES[0]
    return replace(plan, session_minutes=_stepped(value, SESSION_MINUTES, direction))


def step_break_every(plan: Plan, direction: int) -> Plan:
    """Breaks by the clock: off below the smallest step, on again at the smallest."""
    value = plan.breaks.every_minutes
    low = BREAK_EVERY_MINUTES[0]
    if value is None:
        every = float(low) if direction > 0 else None
    elif direction < 0 and value <= low:
        every = None
    else:
        every = _stepped(value, BREAK_EVERY_MINUTES, direction)
    return replace(plan, breaks=replace(plan.breaks, every_minutes=every))


def step_break_seconds(plan: Plan, direction: int) -> Plan:
    value = plan.breaks.seconds or BREAK_SECONDS[0]
    seconds = _stepped(value, BREAK_SECONDS, direction)
    return replace(plan, breaks=replace(plan.breaks, seconds=seconds))


def with_title(plan: Plan, title: str) -> Plan:
    return replace(plan, title=title)
