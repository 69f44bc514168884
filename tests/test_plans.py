"""Session plans: the YAML file read like a level (every problem at its line and column), its
stored form, and the progress through a plan (runs, stops, breaks, the end of a run)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.config.kiosk import PlanDefaults
from engine.session.plan_progress import (
    BREAK,
    DONE,
    PLAY,
    BreakLog,
    current_run,
    next_up,
    run_stops,
    take_break,
)
from engine.session.plans import (
    ASSESSMENT_LEVEL_ID,
    Breaks,
    LevelError,
    Plan,
    describe_plan,
    load_plan,
    parse_plan,
    plan_json,
    plan_of_json,
    plan_yaml,
)
from engine.store.chart_records import CodeShare
from engine.store.records import SessionRecord

ROOT = Path(__file__).resolve().parent.parent
KNOWN = {"frog-hop", "duck-paddle", "drum-march", ASSESSMENT_LEVEL_ID}
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PLAN_ID = 7

FULL = """\
format: 1
title: Hands first
levels: [frog-hop, duck-paddle, drum-march]
assessment_every: 3
session_minutes: 15
breaks:
  after: [1, 2]
  every_minutes: 8
  seconds: 45
"""


def problems_of(text: str, known=KNOWN) -> list[str]:
    with pytest.raises(LevelError) as caught:
        parse_plan(text, Path("plan.yaml"), known_level_ids=known)
    return [str(problem) for problem in caught.value.problems]


def test_a_full_plan_reads_as_written() -> None:
    plan = parse_plan(FULL, Path("plan.yaml"), known_level_ids=KNOWN)
    assert plan == Plan(
        "Hands first",
        ("frog-hop", "duck-paddle", "drum-march"),
        3,
        15.0,
        Breaks((1, 2), 8.0, 45.0),
    )
    assert plan_of_json(plan_json(plan)) == plan
    assert (
        describe_plan(plan)[-1]
        == "Breaks: after level 1, 2 and every 8 minutes of play (45 s each)"
    )


def test_a_plans_billing_codes_read_store_and_write_back() -> None:
    text = FULL + "codes: [97530=60, '97110=40']\n"
    plan = parse_plan(text, Path("plan.yaml"), known_level_ids=KNOWN)
    assert plan.codes == (CodeShare("97530", 60), CodeShare("97110", 40))
    assert plan_of_json(plan_json(plan)) == plan
    assert parse_plan(plan_yaml(plan), Path("again.yaml"), known_level_ids=KNOWN) == plan
    assert describe_plan(plan)[-1] == "Billing codes by default: 97530 (60 %), 97110 (40 %)"
    # One code alone, unquoted (read as a number), takes all the minutes.
    alone = parse_plan(FULL + "codes: [97530]\n", Path("plan.yaml"), known_level_ids=KNOWN)
    assert alone.codes == (CodeShare("97530", 100),)
    # A plan stored before plans had codes reads back with none.
    stored = json.loads(plan_json(replace(plan, codes=())))
    del stored["codes"]
    assert plan_of_json(json.dumps(stored)).codes == ()


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("[97530=60, 97110=30]", "plan.yaml:10:8: codes: the shares add up to 90 %, not 100 %"),
        (
            "[97530, 97110]",
            "plan.yaml:10:8: codes: with several codes give each its share, like "
            "[97530=60, 97110=40], or [97530] for one code",
        ),
        (
            "[0100]",
            "plan.yaml:10:9: codes[0]: '0100' is not a billing code: 5 capital letters or digits, "
            "like [97530=60, 97110=40], or [97530] for one code (put a code that begins with 0 "
            "in quotes, like '00100')",
        ),
        (
            "[97530=0]",
            "plan.yaml:10:9: codes[0]: '97530=0': the share is a whole percent from 1 to 100",
        ),
        (
            "[97530=50, 97530=50]",
            "plan.yaml:10:19: codes[1]: 97530 is listed twice; give it one share",
        ),
        (
            "97530",
            "plan.yaml:10:8: codes: list the billing codes this plan's sessions bill, like "
            "[97530=60, 97110=40], or [97530] for one code",
        ),
    ],
)
def test_billing_code_problems_name_the_line_and_column(codes: str, expected: str) -> None:
    assert problems_of(FULL + f"codes: {codes}\n") == [expected]


def test_the_shipped_example_plans_are_valid() -> None:
    from engine.levels.library import discover_levels

    known = {level.id for level in discover_levels(user_dir=ROOT / "levels").levels}
    for path in sorted((ROOT / "plans").glob("*.yaml")):
        assert load_plan(path, known_level_ids=known).levels, path


def test_what_a_plan_leaves_out_comes_from_the_station() -> None:
    plan = parse_plan("format: 1\ntitle: Short\nlevels: [frog-hop]\n", Path("p.yaml"))
    assert (plan.assessment_every, plan.session_minutes, plan.breaks.seconds) == (None, None, None)
    filled = plan.with_defaults(PlanDefaults(session_minutes=12, assessment_every=5))
    assert (filled.assessment_every, filled.session_minutes, filled.breaks.seconds) == (
        5,
        12.0,
        60.0,
    )
    # A value the file gives wins over the station's, even 0 ("never").
    never = replace(plan, assessment_every=0).with_defaults(PlanDefaults(assessment_every=5))
    assert never.assessment_every == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "format: 1\ntitle: X\nlevels: [frog-hop, frog-hopp]\n",
            [
                "plan.yaml:3:20: levels[1]: no level has the id 'frog-hopp'; "
                "did you mean 'frog-hop'?"
            ],
        ),
        (
            "format: 1\ntitle: X\nlevels: [frog-hop]\nsession_minutes: 0\n",
            ["plan.yaml:4:18: session_minutes: 0 is out of range; use 1 to 240 minutes"],
        ),
        (
            "format: 1\ntitle: X\nlevels: [frog-hop, drum-march]\nbreaks:\n  after: [2]\n",
            [
                "plan.yaml:5:11: breaks.after[0]: 2 is not between 1 and 1: a break comes after "
                "one of the levels and before the next"
            ],
        ),
        (
            "format: 1\ntitle: X\nlevel: [frog-hop]\n",
            [
                "plan.yaml:1:1: (file): 'levels' is missing; add it",
                "plan.yaml:3:1: level: unknown key 'level'; did you mean 'levels'?",
            ],
        ),
        (
            "title: X\nlevels: []\nassessment_every: 2.5\n",
            [
                "plan.yaml:1:1: (file): 'format: 1' is missing; a plan file starts with it",
                "plan.yaml:2:9: levels: list the levels of a run, one id each, like [frog-hop]",
                "plan.yaml:3:19: assessment_every: 2.5 is not a whole number; write a whole "
                "number of runs",
            ],
        ),
        (
            "format: 1\ntitle: X\nlevels: &a [frog-hop]\n",
            [
                "plan.yaml:3:9: (yaml): YAML anchors ('&name') are not allowed in plans; "
                "remove the anchor"
            ],
        ),
    ],
)
def test_problems_name_the_line_and_column(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_a_plan_file_that_is_not_a_mapping_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("- frog-hop\n", encoding="utf-8")
    with pytest.raises(LevelError, match="a plan is 'name: value' lines"):
        load_plan(path)


# --- progress -------------------------------------------------------------------------------
def plan(**changes) -> Plan:
    base = Plan("P", ("frog-hop", "duck-paddle", "drum-march"), 0, 20.0, Breaks((), None, 30.0))
    return replace(base, **changes)


def session(
    visit: int,
    stop: int,
    status: str = "complete",
    minutes: float = 3.0,
    started: datetime = NOW - timedelta(minutes=30),
    plan_id: int = PLAN_ID,
) -> SessionRecord:
    ended = None if status == "running" else (started + timedelta(minutes=minutes)).isoformat()
    return SessionRecord(
        profile_code="P-ABCDEF",
        level_id="x",
        level_title="X",
        level_path="x.yaml",
        status=status,
        started_at_utc=started.isoformat(),
        ended_at_utc=ended,
        station="s",
        sample_rate_hz=48_000,
        input_offset_ms=0.0,
        output_latency_ms=0.0,
        plan_id=plan_id,
        plan_visit=visit,
        plan_stop=stop,
    )


def run_of(the_plan: Plan, sessions, now=NOW, resume_h: float = 12.0):
    return current_run(the_plan, PLAN_ID, sessions, now, resume_h)


def test_the_assessment_opens_the_first_run_and_every_nth_after() -> None:
    every_3 = plan(assessment_every=3)
    with_assessment = [n for n in range(1, 11) if run_stops(every_3, n)[0].plan_level is None]
    assert with_assessment == [1, 4, 7, 10]
    first = run_stops(every_3, 1)
    assert [s.level_id for s in first] == [
        ASSESSMENT_LEVEL_ID,
        "frog-hop",
        "duck-paddle",
        "drum-march",
    ]
    assert [s.plan_level for s in first] == [None, 1, 2, 3]
    assert [s.level_id for s in run_stops(plan(), 1)] == ["frog-hop", "duck-paddle", "drum-march"]


def test_a_run_goes_through_its_stops_with_the_breaks_the_plan_asks_for() -> None:
    the_plan = plan(breaks=Breaks((1,), None, 30.0))
    stored: list[SessionRecord] = []
    breaks = BreakLog()
    seen = []
    for _ in range(10):
        run = run_of(the_plan, stored)
        up = next_up(the_plan, run, breaks)
        seen.append((up.kind, up.stop.level_id if up.stop else up.break_s))
        if up.kind == DONE:
            break
        if up.kind == BREAK:
            breaks = take_break(breaks, run, up)
        else:
            stored.append(session(run.run_number, up.stop.index))
    assert seen == [
        (PLAY, "frog-hop"),
        (BREAK, 30.0),
        (PLAY, "duck-paddle"),
        (PLAY, "drum-march"),
        (DONE, None),
    ]


def test_an_incomplete_stop_is_played_again_and_a_crash_resumes_the_run() -> None:
    the_plan = plan()
    stored = [session(1, 0), session(1, 1, status="incomplete"), session(1, 1, status="running")]
    run = run_of(the_plan, stored)
    assert (run.run_number, run.completed) == (1, frozenset({0}))
    assert next_up(the_plan, run, BreakLog()).stop.level_id == "duck-paddle"


def test_the_next_run_begins_once_the_last_one_is_old_enough_done_or_not() -> None:
    the_plan = plan()
    finished = [session(1, index) for index in range(3)]
    assert next_up(the_plan, run_of(the_plan, finished), BreakLog()).kind == DONE
    tomorrow = NOW + timedelta(hours=23)
    assert run_of(the_plan, finished, now=tomorrow).run_number == 2
    assert next_up(the_plan, run_of(the_plan, finished, now=tomorrow), BreakLog()).kind == PLAY
    yesterday = NOW - timedelta(hours=20)
    stale = [session(1, 0, started=yesterday)]
    assert run_of(the_plan, stale, resume_h=12).run_number == 2
    assert run_of(the_plan, stale, resume_h=24).run_number == 1
    # Sessions of another plan (the child's old one) do not count.
    other = [session(1, index, plan_id=PLAN_ID + 1) for index in range(3)]
    assert run_of(the_plan, other).run_number == 1


def test_a_run_ends_when_its_session_length_of_play_is_reached() -> None:
    the_plan = plan(session_minutes=10.0)
    stored = [session(1, 0, minutes=6.0), session(1, 1, minutes=4.5)]
    run = run_of(the_plan, stored)
    assert run.played_s == pytest.approx(630.0)
    assert next_up(the_plan, run, BreakLog()).kind == DONE
    assert run.completed == frozenset({0, 1})  # drum-march is never started


def test_a_break_comes_after_enough_play_since_the_last() -> None:
    the_plan = plan(breaks=Breaks((), 8.0, 60.0), session_minutes=60.0)
    stored = [session(1, 0, minutes=5.0)]
    breaks = BreakLog()
    assert next_up(the_plan, run_of(the_plan, stored), breaks).kind == PLAY
    stored.append(session(1, 1, minutes=4.0))
    run = run_of(the_plan, stored)
    up = next_up(the_plan, run, breaks)
    assert (up.kind, up.break_s) == (BREAK, 60.0)
    breaks = take_break(breaks, run, up)
    assert next_up(the_plan, run, breaks).stop.level_id == "drum-march"


def test_breaks_by_position_count_the_plans_levels_not_the_assessment() -> None:
    the_plan = plan(assessment_every=2, breaks=Breaks((1,), None, 30.0))
    stored = [session(1, 0)]  # the assessment
    assert next_up(the_plan, run_of(the_plan, stored), BreakLog()).stop.level_id == "frog-hop"
    stored.append(session(1, 1))  # frog-hop, the plan's level 1
    up = next_up(the_plan, run_of(the_plan, stored), BreakLog())
    assert (up.kind, up.after_level) == (BREAK, 1)
