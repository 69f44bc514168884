"""The clinical-records part of the store (schema 2): profiles' details, calibration, plans,
adaptation steps, notes, column reads and bulk writes, progress sums. Real files."""

from __future__ import annotations

from dataclasses import astuple, fields, replace
from pathlib import Path

import numpy as np
import pytest

from engine.store.columns import (
    LIMB_STAT_COUNTS,
    LIMB_STAT_SUMS,
    UNPAIRED_BEAT,
    BeatColumns,
    LimbStatColumns,
    TapColumns,
)
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.records import (
    SESSION_COMPLETE,
    AdaptationStep,
    BeatRecord,
    PlanStep,
    SessionCalibration,
    TapRecord,
    TaskRecord,
)
from tests.pg_stores import BACKENDS, open_backend, refused_record
from tests.records_factory import start_session


def add_one_task(store: Store, session_id: int, task_name: str) -> None:
    """A task at 60 bpm from frame 96,000, the first of session ``session_id``."""
    store.add_task(
        TaskRecord(
            session_id=session_id,
            task_index=0,
            task_name=task_name,
            settings_json="{}",
            tempo_bpm_start=60.0,
            tempo_bpm_end=60.0,
            start_frame=96_000,
        )
    )


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A new store on each backend: the contract holds for a station's SQLite file and a
    clinic's PostgreSQL server alike."""
    opened = open_backend(request, request.param, tmp_path)
    yield opened
    opened.close()


def test_calibration_and_plan_travel_with_the_session(store: Store) -> None:
    plan_id = store.add_session_plan(
        "Week 1", [PlanStep("frog-hop", 2), PlanStep("drum-march")], planned_minutes=30
    )
    calibration = SessionCalibration(
        visual_offset_ms=-8.0, calibrated_at_utc="2026-01-04T16:00:00+00:00", method="tap test"
    )
    session_id = start_session(store, calibration=calibration, plan_id=plan_id)
    row = store.session(session_id)
    assert row.calibration == calibration
    assert row.plan_id == plan_id
    assert (row.station, row.input_offset_ms, row.output_latency_ms) == ("room-2", 12.5, 23.25)
    [plan] = store.session_plans(row.profile_code)
    assert (plan.title, plan.planned_minutes, plan.profile_code) == ("Week 1", 30, None)
    assert plan.steps == (PlanStep("frog-hop", 2), PlanStep("drum-march", 1))
    own = store.add_session_plan("Robin's", [PlanStep("pond")], profile_code=row.profile_code)
    assert [p.plan_id for p in store.session_plans(row.profile_code)] == [plan_id, own]
    assert [p.plan_id for p in store.session_plans("P-NOBODY")] == [plan_id]
    with pytest.raises(ValueError, match="at least one level"):
        store.add_session_plan("empty", [])


def test_profiles_are_listed_with_their_sessions_and_details(store: Store) -> None:
    start_session(store, "Robin", started_at_utc="2026-01-05T10:00:00+00:00")
    start_session(store, "Robin", started_at_utc="2026-01-12T10:00:00+00:00")
    store.create_profile("Sam")
    by_name = {p.display_name: p for p in store.list_profiles()}
    assert by_name["Robin"].session_count == 2
    assert by_name["Robin"].last_session_started_at_utc == "2026-01-12T10:00:00+00:00"
    assert (by_name["Sam"].session_count, by_name["Sam"].last_session_started_at_utc) == (0, None)
    store.set_profile_details(by_name["Sam"].code, 2018, "rocket")
    assert store.profile(by_name["Sam"].code).avatar == "rocket"
    with pytest.raises(ValueError, match="birth year 1850"):
        store.set_profile_details(by_name["Sam"].code, 1850, None)
    with pytest.raises(LookupError, match="no profile P-NOBODY"):
        store.set_profile_details("P-NOBODY", None, None)


def test_sessions_are_listed_by_profile_and_start_range(store: Store) -> None:
    days = ["2026-01-05T10:00:00+00:00", "2026-01-12T10:00:00+00:00", "2026-01-19T10:00:00+00:00"]
    ids = [start_session(store, "Robin", started_at_utc=day) for day in days]
    start_session(store, "Sam", started_at_utc=days[1])
    robin = store.session(ids[0]).profile_code
    assert [s.session_id for s in store.list_sessions(robin)] == ids
    assert [
        s.session_id
        for s in store.list_sessions(
            robin, "2026-01-12T00:00:00+00:00", "2026-01-19T10:00:00+00:00"
        )
    ] == [ids[1]]
    assert len(store.list_sessions()) == 4
    with pytest.raises(LookupError, match="no session 99"):
        store.session(99)


def test_notes_about_sessions_and_profiles(store: Store) -> None:
    session_id = start_session(store)
    code = store.session(session_id).profile_code
    first = store.add_note("Good focus.", "OT Kim", session_id=session_id)
    store.add_note("Parents report better handwriting.", "OT Kim", profile_code=code)
    assert first.profile_code == code and first.session_id == session_id
    assert [n.body for n in store.notes(session_id=session_id)] == ["Good focus."]
    assert len(store.notes(profile_code=code)) == 2
    with pytest.raises(ValueError, match="exactly one"):
        store.add_note("both", "OT", session_id=session_id, profile_code=code)
    with pytest.raises(ValueError, match="text"):
        store.add_note("   ", "OT", session_id=session_id)
    with pytest.raises(LookupError, match="no session 99"):
        store.add_note("lost", "OT", session_id=99)


def test_adaptation_steps_round_trip_and_are_checked(store: Store) -> None:
    session_id = start_session(store)
    add_one_task(store, session_id, "Hop")
    steps = [
        AdaptationStep(session_id, 0, 0, 288_000, 1, "up", 64.0, None, None, 0.875),
        AdaptationStep(session_id, 0, 1, 480_000, 0, "down", 60.0, 45.0, "fade", 0.5),
    ]
    store.add_adaptation_steps(steps)
    assert store.adaptation_steps(session_id) == steps
    with pytest.raises(refused_record(store)):
        store.add_adaptation_steps([replace(steps[0], step_index=2, direction="sideways")])


def test_bulk_columns_store_what_records_store(tmp_path: Path) -> None:
    one, two = open_store(tmp_path / "one"), open_store(tmp_path / "two")
    in_force = (60.0, 1000.0, 15.0, 45.0, 100.0)  # tempo, IOI, windows
    beats = [
        BeatRecord(1, 0, index, "left_toe", 96_000 + 48_000 * index, *in_force) for index in (0, 1)
    ]
    windows = (15.0, 45.0, 100.0)
    taps = [
        TapRecord(
            1, 0, 0, "left_toe", 2**60 + 3, "x11_server", 96_010, 2.0002, 0, 0.2083, "sro", *windows
        ),
        TapRecord(
            1, 0, 1, "right_hand", 2**60 + 9, "polled", 120_000, 2.5, None, None, "extra",
            None, None, None,
        ),
    ]  # fmt: skip
    for store in (one, two):
        start_session(store)
        add_one_task(store, 1, "Toes")
    one.add_beats(beats)
    one.add_taps(taps)
    two.add_beat_columns(
        1,
        BeatColumns(
            task_index=np.array([0, 0]),
            beat_index=np.array([0, 1]),
            limb=np.array(["left_toe", "left_toe"], dtype=object),
            target_frame=np.array([96_000, 144_000]),
            tempo_bpm=np.full(2, 60.0),
            ioi_ms=np.full(2, 1000.0),
            sro_ms=np.full(2, 15.0),
            good_ms=np.full(2, 45.0),
            ok_ms=np.full(2, 100.0),
            scored=np.array([True, True]),
        ),
    )
    two.add_tap_columns(1, one.tap_columns(1))
    assert [row.tap for row in two.iter_taps(1)] == taps
    for name in BeatColumns.names:
        assert (
            getattr(one.beat_columns(1), name).tolist()
            == getattr(two.beat_columns(1), name).tolist()
        )
    bad = {name: getattr(one.tap_columns(1), name) for name in TapColumns.names}
    bad["judgement"][0] = "great"
    bad["tap_index"] = bad["tap_index"] + 10
    with pytest.raises(ValueError, match="'great'"):
        two.add_tap_columns(1, TapColumns(**bad))
    one.close()
    two.close()


def test_an_empty_session_reads_as_empty_columns(store: Store) -> None:
    session_id = start_session(store)
    taps: TapColumns = store.tap_columns(session_id)
    assert len(taps) == 0 and taps.asynchrony_ms.dtype == np.float64
    assert store.beat_columns(session_id).target_frame.shape == (0,)
    assert len(store.limb_stats()) == 0


def test_a_reader_of_few_columns_gets_those_as_stored_and_no_others(store: Store) -> None:
    session_id = start_session(store)
    add_one_task(store, session_id, "Toes")
    in_force = (60.0, 1000.0, 15.0, 45.0, 100.0)
    store.add_beats([BeatRecord(session_id, 0, 0, "left_toe", 96_000, *in_force)])
    windows = (15.0, 45.0, 100.0)
    store.add_taps(
        [
            TapRecord(session_id, 0, 0, "left_toe", 7, "polled", 96_010, 2.0, 0, 0.2, "sro",
                      *windows, 90, "pad"),
            TapRecord(session_id, 0, 1, "left_toe", 9, "polled", 99_000, 2.1, None, None,
                      "extra", None, None, None),
        ]
    )  # fmt: skip
    names = ("judgement", "beat_index", "asynchrony_ms")  # not in the stored order
    few, every = store.tap_columns(session_id, names), store.tap_columns(session_id)
    assert few.read_names == ("beat_index", "asynchrony_ms", "judgement") and len(few) == 2
    for name in names:
        np.testing.assert_array_equal(getattr(few, name), getattr(every, name))
    assert few.beat_index.tolist() == [0, UNPAIRED_BEAT]
    with pytest.raises(AttributeError, match="'velocity' was not read"):
        _ = few.velocity
    assert every.velocity.tolist() == [90, -1] and every.read_names == TapColumns.names
    beats = store.beat_columns(session_id, ("limb", "scored"))
    assert beats.limb.tolist() == ["left_toe"] and beats.scored.dtype == np.bool_
    with pytest.raises(AttributeError, match="'target_frame' was not read"):
        _ = beats.target_frame
    with pytest.raises(TypeError, match="pitch"):
        store.tap_columns(session_id, ("pitch",))


def limb_stats(session_id: int, limbs: list[str]) -> LimbStatColumns:
    rows = len(limbs)
    return LimbStatColumns(
        session_id=np.full(rows, session_id),
        task_index=np.zeros(rows, dtype=np.int64),
        limb=np.array(limbs, dtype=object),
        counts=np.arange(rows * len(LIMB_STAT_COUNTS)).reshape(rows, -1),
        sums=np.linspace(-1.5, 2.5, rows * len(LIMB_STAT_SUMS)).reshape(rows, -1),
    )


def test_limb_stats_are_replaced_per_session_and_versioned(store: Store) -> None:
    first = start_session(store, "Robin")
    second = start_session(store, "Sam")
    running = start_session(store, "Sam")
    for session_id in (first, second, running):
        add_one_task(store, session_id, "Hop")
    for session_id in (first, second):
        store.end_session(session_id, "2026-01-05T10:07:00+00:00", SESSION_COMPLETE)
    assert store.sessions_lacking_limb_stats(metrics_version=1) == [first, second]

    store.replace_limb_stats([first], limb_stats(first, ["right_toe", "left_toe"]), 1)
    store.replace_limb_stats([first], limb_stats(first, ["both_hands"]), 1)  # not added to
    store.replace_limb_stats([second], limb_stats(second, ["right_toe"]), 1)
    assert store.sessions_lacking_limb_stats(metrics_version=1) == []
    assert store.sessions_lacking_limb_stats(metrics_version=2) == [first, second]

    every = store.limb_stats()
    assert every.session_id.tolist() == [first, second]
    assert every.limb.tolist() == ["both_hands", "right_toe"]
    assert every.counts.shape == (2, len(LIMB_STAT_COUNTS))
    np.testing.assert_array_equal(every.sums[1], limb_stats(second, ["x"]).sums[0])
    robin = store.session(first).profile_code
    assert store.limb_stats(robin).session_id.tolist() == [first]


def test_columns_are_the_fields_of_their_record_but_the_session() -> None:
    assert TapColumns.names == tuple(f.name for f in fields(TapRecord))[1:]
    assert BeatColumns.names == tuple(f.name for f in fields(BeatRecord))[1:]
    in_force = {"tempo_bpm": [60.0], "ioi_ms": [1e3], "sro_ms": [15.0], "good_ms": [45.0]}
    with pytest.raises(TypeError, match=r"missing: \['ok_ms', 'scored'\], unknown: \['loud'\]"):
        BeatColumns(
            task_index=[0],
            beat_index=[0],
            limb=["left_toe"],
            target_frame=[0],
            loud=[1],
            **in_force,
        )
    with pytest.raises(ValueError, match="different lengths"):
        BeatColumns(
            task_index=[0],
            beat_index=[0, 1],
            limb=["x"],
            target_frame=[0],
            scored=[1],
            ok_ms=[100.0],
            **in_force,
        )


def test_none_in_a_record_is_unpaired_or_nan_in_columns_and_back() -> None:
    paired = TapRecord(
        1, 0, 0, "left_toe", 2**60 + 3, "x11_server", 96_010, 2.0, 0, 0.5, "sro", 15.0, 45.0, 99.0
    )
    unpaired = TapRecord(
        1, 0, 1, "left_toe", 2**60 + 9, "polled", 120_000, 2.5, None, None, "extra", None, None,
        None,
    )  # fmt: skip
    rows = [astuple(tap)[1:] for tap in (paired, unpaired)]
    columns = TapColumns.from_rows(rows)
    assert columns.beat_index.tolist() == [0, UNPAIRED_BEAT]
    assert columns.beat_index.dtype == np.int64 and columns.host_ns.dtype == np.int64
    assert columns.asynchrony_ms[0] == 0.5 and np.isnan(columns.asynchrony_ms[1])
    assert columns.ok_ms[0] == 99.0 and np.isnan(columns.sro_ms[1])
    assert [TapRecord(*values) for values in columns.record_values(1)] == [paired, unpaired]
    with pytest.raises(AttributeError, match="frozen"):
        columns.channel = columns.channel
