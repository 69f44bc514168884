"""A child's plan built on the station behind the PIN: the editing steps, the plan written out
as a plan file and read back through the file's checks, and the whole editor clicked through
on the kiosk harness, saved with its audit row and shown by `run.py plans show`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.config.kiosk import PlanDefaults
from engine.session import plan_draft
from engine.session.plans import MAX_STOPS, Breaks, LevelError, Plan, parse_plan, plan_yaml
from engine.store.opening import open_store
from tests.kiosk_harness import (
    PIN,
    Station,
    audit_rows,
    harness,
    kiosk_station,
    open_pad,
    type_pin,
)
from tests.test_cli import run_cli

THREE = Plan("Three", ("stop-one", "stop-two", "stop-three"), breaks=Breaks(after=(1,)))


def test_a_break_stays_after_its_level_when_levels_move_or_go() -> None:
    # The break follows stop-one; moving stop-one down takes the break with it.
    moved = plan_draft.move_level(THREE, 0, 1)
    assert moved.levels == ("stop-two", "stop-one", "stop-three")
    assert moved.breaks.after == (2,)
    # Removing the level before it keeps it after stop-one, now the first.
    removed = plan_draft.remove_level(moved, 0)
    assert removed.levels == ("stop-one", "stop-three") and removed.breaks.after == (1,)
    # A break cannot follow the last level: moving stop-one to the end drops it, and the
    # last level's break cannot be turned on.
    last = plan_draft.move_level(THREE, 0, 1)
    last = plan_draft.move_level(last, 1, 1)
    assert last.levels[-1] == "stop-one" and last.breaks.after == ()
    assert plan_draft.toggle_break_after(last, 2) == last
    assert plan_draft.toggle_break_after(last, 0).breaks.after == (1,)
    # Moving past either end changes nothing.
    assert plan_draft.move_level(THREE, 0, -1) == THREE
    assert plan_draft.move_level(THREE, 2, 1) == THREE


def test_a_plan_holds_at_most_the_stops_a_file_may_have() -> None:
    plan = Plan("Long", ())
    for _ in range(MAX_STOPS + 3):
        plan = plan_draft.add_level(plan, "stop-one")
    assert len(plan.levels) == MAX_STOPS


def test_the_steppers_keep_to_their_grid_and_bounds() -> None:
    plan = Plan("x", ("stop-one",), assessment_every=0, session_minutes=12.5)
    assert plan_draft.step_session_minutes(plan, 1).session_minutes == 15
    assert plan_draft.step_session_minutes(plan, -1).session_minutes == 10
    low = Plan("x", ("stop-one",), session_minutes=5)
    assert plan_draft.step_session_minutes(low, -1).session_minutes == 5
    assert plan_draft.step_assessment_every(plan, -1).assessment_every == 0
    assert plan_draft.step_assessment_every(plan, 1).assessment_every == 1
    # Breaks by the clock: off, then 5 minutes, then 10; down from 5 is off again.
    on = plan_draft.step_break_every(plan, 1)
    assert on.breaks.every_minutes == 5
    assert plan_draft.step_break_every(on, 1).breaks.every_minutes == 10
    assert plan_draft.step_break_every(on, -1).breaks.every_minutes is None
    assert plan_draft.step_break_every(plan, -1).breaks.every_minutes is None
    seconds = Plan("x", ("stop-one",), breaks=Breaks(seconds=600))
    assert plan_draft.step_break_seconds(seconds, 1).breaks.seconds == 600
    assert plan_draft.step_break_seconds(seconds, -1).breaks.seconds == 585


def test_a_new_plan_starts_from_the_station_defaults() -> None:
    defaults = PlanDefaults(session_minutes=25, assessment_every=3, break_seconds=90)
    plan = plan_draft.new_plan("Mia's plan", defaults)
    assert (plan.levels, plan.assessment_every, plan.session_minutes) == ((), 3, 25)
    assert plan.breaks.seconds == 90


LEVEL_IDS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)


@st.composite
def plans(draw) -> Plan:
    levels = tuple(draw(st.lists(LEVEL_IDS, min_size=1, max_size=MAX_STOPS)))
    after = ()
    if len(levels) > 1:
        numbers = st.integers(1, len(levels) - 1)
        after = tuple(sorted(draw(st.sets(numbers, max_size=len(levels) - 1))))
    half = st.integers(2, 480).map(lambda n: n / 2)  # whole and half minutes
    return Plan(
        title=draw(
            st.text(min_size=1, max_size=80).filter(lambda t: t.strip() and t.isprintable())
        ),
        levels=levels,
        assessment_every=draw(st.none() | st.integers(0, 100)),
        session_minutes=draw(st.none() | half),
        breaks=Breaks(
            after=after,
            every_minutes=draw(st.none() | half),
            seconds=draw(st.none() | st.integers(5, 1800).map(float)),
        ),
    )


@given(plans())
def test_a_plan_written_out_reads_back_the_same(plan: Plan) -> None:
    assert parse_plan(plan_yaml(plan), Path("editor.yaml")) == plan


def test_a_plan_the_checks_refuse_is_refused_from_the_editor_too() -> None:
    empty = Plan("Nothing yet", ())
    with pytest.raises(LevelError) as refused:
        parse_plan(plan_yaml(empty), Path("editor.yaml"))
    assert "levels" in str(refused.value.problems[0])
    unknown = Plan("Typo", ("stop-onee",))
    with pytest.raises(LevelError) as refused:
        parse_plan(plan_yaml(unknown), Path("editor.yaml"), known_level_ids={"stop-one"})
    assert "did you mean 'stop-one'" in str(refused.value.problems[0])


# --- the editor on the kiosk harness --------------------------------------------------------
@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    with kiosk_station(tmp_path) as made:
        yield made


def to_the_editor(kiosk) -> None:
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    kiosk.click("plans")
    code = kiosk.director.scene.players[0].code
    kiosk.click(f"player:{code}")
    kiosk.click("edit")
    assert kiosk.scene_name == "kiosk_plan_edit"


def test_a_plan_is_built_by_touch_saved_audited_and_shown_by_the_cli(station) -> None:
    data_dir, _recorder, _library, code = station
    kiosk = harness(station)
    to_the_editor(kiosk)
    editor = kiosk.director.scene
    assert editor.plan.levels == () and editor.title_text == "Mia's plan"
    kiosk.click("save")  # nothing in it yet: the plan file's checks refuse it
    assert not editor.saved and "levels" in editor.message
    for level_id in ("stop-three", "stop-one", "stop-two"):
        kiosk.click(f"add:{level_id}")
    kiosk.click("up:1")  # stop-one first
    kiosk.click("remove:2")  # stop-two goes...
    kiosk.click("add:stop-two")  # ...and comes back last
    assert editor.plan.levels == ("stop-one", "stop-three", "stop-two")
    kiosk.click("break:0")  # a break after stop-one
    kiosk.click("break:2")  # the last level has no break after it: nothing
    for key in ("step:assessment:1", "step:assessment:1", "step:minutes:-1", "step:break_every:1"):
        kiosk.click(key)
    kiosk.click("step:break_seconds:-1")
    kiosk.click("name")  # the on-screen keyboard: "Mia's plan" becomes "Mia's plan 2"
    for key in ("space", "char:2", "done"):
        kiosk.click(key)
    kiosk.click("save")
    assert editor.saved, editor.message
    kiosk.close()

    store = open_store(data_dir)
    try:
        assigned = store.assigned_plan(code)
    finally:
        store.close()
    assert assigned.title == "Mia's plan 2"
    assert parse_plan(assigned.source_text, Path("stored")) == Plan(
        "Mia's plan 2",
        ("stop-one", "stop-three", "stop-two"),
        assessment_every=2,
        session_minutes=15,
        breaks=Breaks(after=(1,), every_minutes=5, seconds=45),
    )
    assert ("plans", f"{code}: plan {assigned.plan_id} set") in audit_rows(data_dir)
    shown = run_cli("plans", "show", code, "--data-dir", str(data_dir))
    assert shown.returncode == 0, shown.stderr
    assert "Levels, in order: stop-one, stop-three, stop-two" in shown.stdout
    assert "Breaks: after level 1 and every 5 minutes of play (45 s each)" in shown.stdout
    assert assigned.source_text.rstrip() in shown.stdout


def test_the_editor_opens_on_the_childs_plan_and_back_keeps_it(station) -> None:
    data_dir, _recorder, _library, code = station
    kiosk = harness(station)
    to_the_editor(kiosk)
    for level_id in ("stop-one", "stop-two"):
        kiosk.click(f"add:{level_id}")
    kiosk.click("save")
    kiosk.click("back")
    assert kiosk.scene_name == "kiosk_plans"
    assert kiosk.director.scene.player.code == code  # back on the same child's plan
    kiosk.click("edit")
    editor = kiosk.director.scene
    assert editor.plan.levels == ("stop-one", "stop-two")
    kiosk.click("remove:0")
    kiosk.click("back")  # not saved: the plan stays as it was
    kiosk.close()
    store = open_store(data_dir)
    try:
        assert store.assigned_plan(code).title == "Mia's plan"
        assert len([1 for action, _ in audit_rows(data_dir) if action == "plans"]) == 1
    finally:
        store.close()
