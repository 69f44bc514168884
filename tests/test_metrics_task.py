"""Per-task and per-session metrics of stored sessions, against numpy on the raw tap and beat
columns: each tap counted with the windows it was judged with and phased by the IOI in force
at its own target (the tempo and windows change mid-task, as on an adaptive level)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.levels.model import Windows
from engine.metrics.task import POOLED_TASK_INDEX, session_metrics, task_metrics
from engine.store.opening import open_store
from engine.store.protocol import Store
from tests.clinic_factory import TaskSpec, add_session


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def raw_task(store: Store, session_id: int, task_index: int) -> dict[str, np.ndarray | int]:
    """What the database holds for one task, read without engine.metrics.task."""
    taps = store.tap_columns(session_id)
    beats = store.beat_columns(session_id)
    of_task = taps.task_index == task_index
    paired = of_task & (taps.beat_index >= 0)
    order = np.argsort(taps.tap_index[paired])
    of_beats = beats.task_index == task_index
    target = taps.beat_index[paired][order]
    return {
        "asynchrony_ms": taps.asynchrony_ms[paired][order],
        "sro_ms": taps.sro_ms[paired][order],
        "good_ms": taps.good_ms[paired][order],
        "ioi_ms": beats.ioi_ms[of_beats][target],
        "tempo_bpm": beats.tempo_bpm[of_beats],
        "beats": int(of_beats.sum()),
        "extra": int((of_task & (taps.judgement == "extra")).sum()),
    }


def longest_run_numpy(flags: np.ndarray) -> int:
    """The longest run of True, from the lengths between the Falses."""
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(int), 0]))
    return int((edges[1::2] - edges[::2]).max()) if edges.size else 0


@pytest.mark.parametrize("seed", range(4))
def test_task_metrics_match_numpy_with_each_taps_own_windows_and_ioi(
    store: Store, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    windows = Windows(sro_ms=float(rng.choice([15.0, 30.0])), good_ms=50.0, ok_ms=120.0)
    narrower = Windows(sro_ms=12.0, good_ms=36.0, ok_ms=80.0)
    specs = (
        TaskSpec(("right_hand",), beats=60, tempo_bpm=54.0, windows=windows),
        TaskSpec(
            ("right_hand", "left_toe"),
            beats=40,
            tempo_bpm=72.0,
            steps_per_beat=2,
            adapted=(68.6, narrower),
        ),
    )
    session_id = add_session(store, rng, tasks=specs, mean_ms=rng.uniform(-40, 10))
    metrics = session_metrics(store, session_id)
    assert [t.limb for t in metrics.tasks] == ["right_hand", "right_hand/left_toe"]
    for task, spec in zip(metrics.tasks, specs, strict=True):
        raw = raw_task(store, session_id, task.task_index)
        a = raw["asynchrony_ms"]
        magnitude = np.abs(a)
        assert task.beats == raw["beats"] == spec.beats * spec.steps_per_beat
        assert task.paired_taps == a.shape[0]
        assert task.missed_beats == raw["beats"] - a.shape[0]
        assert task.extra_taps == raw["extra"]
        assert task.task_average_ms == pytest.approx(magnitude.mean())
        sro = magnitude <= raw["sro_ms"]
        assert task.sro_percent == pytest.approx(100 * sro.mean())
        assert task.hits == int((magnitude <= raw["good_ms"]).sum())
        assert task.hit_rate == pytest.approx(task.hits / task.beats)
        assert task.longest_burst == longest_run_numpy(sro)
        assert (task.early_taps, task.late_taps) == (int((a < 0).sum()), int((a > 0).sum()))
        assert task.early_percent == pytest.approx(100 * (a < 0).mean())
        assert task.late_percent == pytest.approx(100 * (a > 0).mean())
        assert task.mean_asynchrony_ms == pytest.approx(a.mean())
        assert task.sd_asynchrony_ms == pytest.approx(a.std(ddof=1))
        ioi_ms = raw["ioi_ms"]
        assert task.ioi_ms == pytest.approx(ioi_ms.mean())
        theta = 2 * np.pi * a / ioi_ms
        assert task.circular_r == pytest.approx(
            np.hypot(np.cos(theta).mean(), np.sin(theta).mean())
        )
        mean_phase = np.arctan2(np.sin(theta).mean(), np.cos(theta).mean())
        assert task.mean_phase_ms == pytest.approx(mean_phase * ioi_ms.mean() / (2 * np.pi))
        tempi = raw["tempo_bpm"]
        assert task.tempo_bpm_range == (tempi.min(), tempi.max())
        assert task.continuation is None
    assert metrics.tasks[1].tempo_bpm_range == (68.6, 72.0)
    assert metrics.tasks[0].tempo_bpm_range == (54.0, 54.0)


def test_pooled_metrics_keep_each_tasks_window(store: Store) -> None:
    rng = np.random.default_rng(11)
    specs = (
        TaskSpec(beats=50, windows=Windows(sro_ms=15.0)),
        TaskSpec(beats=50, windows=Windows(sro_ms=30.0), tempo_bpm=90.0),
    )
    session_id = add_session(store, rng, tasks=specs)
    metrics = session_metrics(store, session_id)
    overall = metrics.overall
    raws = [raw_task(store, session_id, index) for index in (0, 1)]
    sro = sum(
        int((np.abs(r["asynchrony_ms"]) <= s.windows.sro_ms).sum())
        for r, s in zip(raws, specs, strict=True)
    )
    everything = np.concatenate([r["asynchrony_ms"] for r in raws])
    assert overall.task_index == POOLED_TASK_INDEX
    assert overall.paired_taps == everything.shape[0]
    assert overall.sro_percent == pytest.approx(100 * sro / everything.shape[0])
    assert overall.task_average_ms == pytest.approx(np.abs(everything).mean())
    assert overall.longest_burst == max(t.longest_burst for t in metrics.tasks)
    assert math.isnan(overall.sro_window_ms)
    assert overall.tempo_bpm_range == (60.0, 90.0)
    assert math.isnan(overall.mean_phase_ms) and math.isnan(overall.iti_cv)  # two IOIs
    assert overall.beats == sum(t.beats for t in metrics.tasks)


def test_continuation_phase_is_the_part_after_the_metronome_stops(store: Store) -> None:
    rng = np.random.default_rng(2)
    spec = TaskSpec(("both_toes",), beats=60, tempo_bpm=100.0, continuation_beats=24)
    session_id = add_session(store, rng, tasks=(spec,), sd_ms=15.0)
    [task] = session_metrics(store, session_id).tasks
    taps = store.tap_columns(session_id)
    paired = taps.beat_index >= 0
    silent = paired & (taps.beat_index >= spec.beats - spec.continuation_beats)
    assert task.continuation is not None
    assert task.continuation.paired_taps == int(silent.sum())
    order = np.argsort(taps.beat_index[silent])
    beat = taps.beat_index[silent][order]
    time_ms = taps.audio_time_s[silent][order] * 1000
    intervals = np.diff(time_ms)[np.diff(beat) == 1]
    assert task.continuation.iti_mean_ms == pytest.approx(intervals.mean())
    assert task.continuation.iti_cv == pytest.approx(intervals.std(ddof=1) / intervals.mean())
    assert task.continuation.wing_kristofferson.intervals == intervals.shape[0]


def test_a_task_nobody_tapped_reports_without_numbers(store: Store) -> None:
    rng = np.random.default_rng(0)
    session_id = add_session(store, rng, tasks=(TaskSpec(beats=8),))
    # Keep the beats, lose the taps: what a child who never touched the pad leaves.
    connection = sqlite3.connect(store.path)  # a second connection, as another program's
    try:
        with connection:
            connection.execute("DELETE FROM taps")
    finally:
        connection.close()
    [task] = session_metrics(store, session_id).tasks
    assert (task.beats, task.paired_taps, task.missed_beats, task.extra_taps) == (8, 0, 8, 0)
    assert math.isnan(task.task_average_ms) and math.isnan(task.circular_r)
    assert task.longest_burst == 0 and task.hit_rate == 0.0


def test_task_metrics_of_empty_arrays_are_nan_not_errors(store: Store) -> None:
    rng = np.random.default_rng(0)
    session_id = add_session(store, rng, tasks=(TaskSpec(beats=1),))
    metrics = session_metrics(store, session_id)
    assert task_metrics(metrics.task_taps[0]).beats == 1


def test_a_tempo_change_is_not_counted_as_the_childs_variability(store: Store) -> None:
    """A tapper on every target exactly, through a tempo change in the continuation: the
    intervals between taps change with the targets', which is no variability of the child's."""
    rng = np.random.default_rng(5)
    spec = TaskSpec(
        ("right_hand",),
        beats=48,
        tempo_bpm=60.0,
        continuation_beats=40,
        adapted=(57.1, Windows()),
    )
    session_id = add_session(store, rng, tasks=(spec,), mean_ms=-10.0, sd_ms=0.0)
    [task] = session_metrics(store, session_id).tasks
    taps = store.tap_columns(session_id)
    paired = taps.beat_index >= 0
    raw_intervals = np.diff(taps.audio_time_s[paired] * 1000)
    assert raw_intervals.std() > 10.0  # two tempi
    assert task.iti_sd_ms == pytest.approx(0.0, abs=0.05)
    assert task.continuation is not None
    assert task.continuation.iti_cv == pytest.approx(0.0, abs=1e-4)
    assert task.continuation.drift_ms_per_tap == pytest.approx(0.0, abs=1e-3)
    assert task.circular_r == pytest.approx(1.0, abs=1e-5)  # -10 ms is a bit less phase at 57 bpm
