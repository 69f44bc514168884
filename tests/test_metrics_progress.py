"""Metrics across sessions (per limb, assessment table, clinic) against numpy on the raw taps."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import engine.metrics.progress as progress_module
from engine.levels.model import Windows
from engine.metrics.progress import (
    clinic_progress,
    limb_sums_kernel,
    profile_progress,
    refresh_limb_stats,
)
from engine.scoring.judgement import Judgement
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.records import SESSION_INCOMPLETE
from tests.clinic_factory import TaskSpec, add_session
from tests.records_factory import orphan_running_sessions

MIXED_TASKS = (
    TaskSpec(
        ("both_hands",),
        beats=30,
        windows=Windows(sro_ms=20.0),
        adapted=(63.0, Windows(sro_ms=12.0, good_ms=36.0, ok_ms=80.0)),
    ),
    TaskSpec(("right_hand", "left_toe"), beats=24, tempo_bpm=80.0),
    TaskSpec(("left_toe",), beats=20, tempo_bpm=54.0, continuation_beats=6),
)


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def raw_limb_sro(store: Store, session_id: int) -> dict[str, np.ndarray]:
    """Per limb, whether each paired tap was within the SRO window it was judged with."""
    beats = store.beat_columns(session_id)
    limb_of = {
        (t, b): limb
        for t, b, limb in zip(beats.task_index, beats.beat_index, beats.limb, strict=True)
    }
    taps = store.tap_columns(session_id)
    by_limb: dict[str, list[bool]] = {}
    rows = zip(taps.task_index, taps.beat_index, taps.asynchrony_ms, taps.sro_ms, strict=True)
    for t, b, a, sro_ms in rows:
        if b >= 0:
            by_limb.setdefault(limb_of[(t, b)], []).append(abs(a) <= sro_ms)
    return {limb: np.array(values) for limb, values in by_limb.items()}


def raw_limb_asynchronies(store: Store, session_id: int) -> dict[str, np.ndarray]:
    """Paired asynchronies of a session by the limb of their target, straight from the rows."""
    beats = store.beat_columns(session_id)
    limb_of = {
        (t, b): limb
        for t, b, limb in zip(beats.task_index, beats.beat_index, beats.limb, strict=True)
    }
    taps = store.tap_columns(session_id)
    by_limb: dict[str, list[float]] = {}
    for t, b, a in zip(taps.task_index, taps.beat_index, taps.asynchrony_ms, strict=True):
        if b >= 0:
            by_limb.setdefault(limb_of[(t, b)], []).append(a)
    return {limb: np.array(values) for limb, values in by_limb.items()}


def test_kernel_sums_each_group_like_numpy() -> None:
    rng = np.random.default_rng(4)
    taps, groups = 5000, 7
    group = rng.integers(0, groups, taps)
    asynchrony_ms = rng.normal(-15, 40, taps)
    judgement = rng.integers(Judgement.SRO, Judgement.OFF + 1, taps).astype(np.int8)
    ioi_ms = rng.uniform(400, 1100, taps)  # each tap its own, as when the tempo adapts
    counts = np.zeros((groups, 6), dtype=np.int64)
    sums = np.zeros((groups, 5))
    is_sro = judgement == Judgement.SRO
    is_hit = judgement <= Judgement.GOOD
    limb_sums_kernel(group, asynchrony_ms, is_sro, is_hit, ioi_ms, counts, sums)
    for g in range(groups):
        mine = group == g
        a = asynchrony_ms[mine]
        theta = 2 * np.pi * a / ioi_ms[mine]
        expected_counts = [
            0,
            a.size,
            is_sro[mine].sum(),
            is_hit[mine].sum(),
            (a < 0).sum(),
            (a > 0).sum(),
        ]
        np.testing.assert_array_equal(counts[g], expected_counts)
        expected_sums = [
            np.abs(a).sum(),
            a.sum(),
            (a * a).sum(),
            np.cos(theta).sum(),
            np.sin(theta).sum(),
        ]
        np.testing.assert_allclose(sums[g], expected_sums, rtol=1e-10)


def test_progress_per_limb_equals_the_pooled_taps(store: Store) -> None:
    rng = np.random.default_rng(7)
    days = [f"2026-02-{day:02d}T15:00:00+00:00" for day in (2, 9, 16, 23)]
    ids = [
        add_session(
            store, rng, "Robin", day, MIXED_TASKS, mean_ms=-40 + 8 * week, sd_ms=40 - 6 * week
        )
        for week, day in enumerate(days)
    ]
    add_session(store, rng, "Sam", days[0])
    code = store.session(ids[0]).profile_code

    result = profile_progress(store, code)
    assert [s.session_id for s in result.sessions] == ids
    by_limb = {limb.limb: limb for limb in result.limbs}
    assert sorted(by_limb) == ["both_hands", "left_toe", "right_hand"]
    for session_index, session_id in enumerate(ids):
        raw = raw_limb_asynchronies(store, session_id)
        for limb, a in raw.items():
            point = by_limb[limb].points[session_index]
            assert point.session_id == session_id
            assert point.paired_taps == a.size
            assert point.task_average_ms == pytest.approx(np.abs(a).mean())
            assert point.mean_asynchrony_ms == pytest.approx(a.mean())
            assert point.sd_asynchrony_ms == pytest.approx(a.std(ddof=1), rel=1e-9)
            sro = raw_limb_sro(store, session_id)[limb]
            assert point.sro_percent == pytest.approx(100 * sro.mean())
    # left_toe is in two tasks with different windows and tempi: each tap keeps its own.
    left_toe = by_limb["left_toe"].points[0]
    beats = store.beat_columns(ids[0])
    assert left_toe.beats == int((beats.limb == "left_toe").sum())
    first, last = by_limb["both_hands"].points[0], by_limb["both_hands"].points[-1]
    assert by_limb["both_hands"].task_average_change_ms == pytest.approx(
        last.task_average_ms - first.task_average_ms
    )

    windowed = profile_progress(store, code, days[1], days[3])
    assert [s.session_id for s in windowed.sessions] == ids[1:3]
    assert [p.session_id for p in windowed.limbs[0].points] == ids[1:3]


def test_sums_are_computed_once_and_again_for_a_new_metrics_version(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(1)
    for day in (5, 6):
        add_session(store, rng, "Robin", f"2026-01-{day:02d}T10:00:00+00:00")
    running = add_session(store, rng, "Robin", "2026-01-07T10:00:00+00:00", status=None)
    assert refresh_limb_stats(store) == 2
    assert refresh_limb_stats(store) == 0
    monkeypatch.setattr(progress_module, "METRICS_VERSION", progress_module.METRICS_VERSION + 1)
    assert refresh_limb_stats(store) == 2
    orphan_running_sessions(store.path)
    assert store.mark_abandoned_sessions_incomplete() == 1
    assert refresh_limb_stats(store) == 1
    assert set(store.limb_stats().session_id.tolist()) == {1, 2, running}


def test_assessment_table_takes_baseline_mid_and_end(store: Store) -> None:
    rng = np.random.default_rng(3)
    tasks = (
        TaskSpec(("both_hands",), beats=54, tempo_bpm=54.0, name="Both hands"),
        TaskSpec(("right_toe",), beats=54, tempo_bpm=54.0, name="Right toe"),
    )
    dates = [f"2026-03-{day:02d}T09:00:00+00:00" for day in (2, 9, 16, 23, 30)]
    assessment_ids = [
        add_session(store, rng, "Robin", dates[0], tasks, "standard", mean_ms=-45, sd_ms=60),
        add_session(store, rng, "Robin", dates[2], tasks, "standard", mean_ms=-30, sd_ms=40),
        add_session(store, rng, "Robin", dates[3], tasks, "standard", mean_ms=-25, sd_ms=35),
        add_session(store, rng, "Robin", dates[4], tasks, "standard", mean_ms=-15, sd_ms=20),
    ]
    add_session(store, rng, "Robin", dates[1], tasks, "standard", status=SESSION_INCOMPLETE)
    add_session(store, rng, "Robin", dates[1], level_id="frog-hop")
    code = store.session(assessment_ids[0]).profile_code

    table = profile_progress(store, code).assessment
    assert table is not None
    # Four complete assessments: the middle is either inner one, the earlier on a tie.
    assert [table.baseline.session_id, table.mid.session_id, table.end.session_id] == [
        assessment_ids[0],
        assessment_ids[1],
        assessment_ids[3],
    ]
    assert [row.task_name for row in table.rows] == ["Both hands", "Right toe"]
    taps = {
        sid: store.tap_columns(sid)
        for sid in (assessment_ids[0], assessment_ids[1], assessment_ids[3])
    }
    for row in table.rows:
        expected = []
        for session_id in (assessment_ids[0], assessment_ids[1], assessment_ids[3]):
            t = taps[session_id]
            a = t.asynchrony_ms[(t.task_index == row.task_index) & (t.beat_index >= 0)]
            expected.append(np.abs(a).mean())
        assert row.task_average_ms == pytest.approx(tuple(expected))
        assert row.task_average_change_ms == pytest.approx(expected[2] - expected[0])
        assert row.task_average_change_percent == pytest.approx(
            100 * (expected[2] / expected[0] - 1)
        )
    assert table.overall.task_average_ms[0] > table.overall.task_average_ms[2]

    two = profile_progress(store, code, dates[0], dates[3])
    assert two.assessment.mid is None and two.assessment.end.session_id == assessment_ids[1]
    one = profile_progress(store, code, dates[4])
    assert one.assessment.end is None and math.isnan(one.assessment.rows[0].task_average_change_ms)
    assert profile_progress(store, code, assessment_level_ids=("other",)).assessment is None


def test_clinic_progress_agrees_with_each_profile(store: Store) -> None:
    rng = np.random.default_rng(5)
    for name in ("Robin", "Sam", "Kim"):
        for day in (4, 11, 18):
            add_session(store, rng, name, f"2026-01-{day:02d}T10:00:00+00:00", MIXED_TASKS[:2])
    clinic = clinic_progress(store)
    assert len(clinic.profile_code) == 3 * 3  # three limbs each
    for profile in store.list_profiles():
        for limb in profile_progress(store, profile.code).limbs:
            row = np.flatnonzero((clinic.profile_code == profile.code) & (clinic.limb == limb.limb))
            [row] = row
            assert clinic.sessions[row] == len(limb.points) == 3
            assert clinic.first_task_average_ms[row] == pytest.approx(
                limb.points[0].task_average_ms
            )
            assert clinic.latest_sro_percent[row] == pytest.approx(limb.points[-1].sro_percent)


def test_an_unknown_profile_is_a_lookup_error(store: Store) -> None:
    with pytest.raises(LookupError, match="P-NOBODY"):
        profile_progress(store, "P-NOBODY")
    assert len(clinic_progress(store).profile_code) == 0
